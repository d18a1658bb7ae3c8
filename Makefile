# fly: build, test and benchmark targets.  See README.md.
CC       ?= cc
PKGS     := libarchive jansson nettle mount uuid
# libarchive, nettle and libmount are loaded with dlopen when a command
# needs them (src/dynlib.h)
LIBPKGS  := jansson uuid
BUILD    ?= build
VERSION  := 0.1.0
Q        ?= @

WARN     := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
            -Wstrict-prototypes -Wformat=2 -Wimplicit-fallthrough \
            -Wwrite-strings -Wvla -Wundef
CFLAGS   ?= -O2 -g
override CFLAGS += -std=c11 -D_GNU_SOURCE -DFLY_VERSION='"$(VERSION)"' $(WARN) \
            $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -Isrc
LDLIBS   += $(shell pkg-config --libs $(LIBPKGS) 2>/dev/null) -ldl -pthread
TESTLIBS := -lcmocka $(shell pkg-config --libs libarchive libcrypto 2>/dev/null)

SRCS     := $(wildcard src/*.c)
OBJS     := $(SRCS:src/%.c=$(BUILD)/obj/%.o)
LIBOBJS  := $(filter-out $(BUILD)/obj/main.o,$(OBJS))
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_LIB := $(filter-out $(wildcard tests/unit/test_*.c),$(wildcard tests/unit/*.c))
UNIT_OBJ := $(UNIT_LIB:tests/unit/%.c=$(BUILD)/tests/obj/%.o)

.PHONY: all deps demo check unit integration conformance check-conformance \
        valgrind sanitize bench fixtures clean format-check static-analysis \
        shellcheck ci
all: $(BUILD)/fly fixtures

deps:
	@ci/install-deps

$(BUILD)/fly: $(OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/%.o: src/%.c $(wildcard src/*.h) | $(BUILD)/obj
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/obj/%.o: tests/unit/%.c $(wildcard src/*.h tests/unit/*.h) | $(BUILD)/tests/obj
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -Itests/unit -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIBOBJS) $(UNIT_OBJ) $(wildcard tests/unit/*.h)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIBOBJS) $(UNIT_OBJ) \
	    $(LDLIBS) $(TESTLIBS)

# The unit tests' shared objects are prerequisites of pattern rules only;
# keep make from deleting them as intermediates after every build.
.SECONDARY: $(UNIT_OBJ)

$(BUILD)/obj $(BUILD)/tests/obj:
	mkdir -p $@

# Static helpers placed inside test images (see tests/fixtures/README.md).
fixtures: $(BUILD)/fixtures/inspect
$(BUILD)/fixtures/inspect: tests/fixtures/inspect.c
	mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -static -o $@ $<

demo: deps all
	@ci/demo

unit: $(UNIT_BIN)
	@ci/unit $(UNIT_BIN)

integration: all
	@ci/integration

# The integration suite as a conformance suite (docs/conformance.md):
# make conformance [IMPL=fly|rkt|PATH] [ONLY=AREA,...]
conformance: all
	@ci/conformance $(if $(IMPL),--impl=$(IMPL)) $(if $(ONLY),--only=$(ONLY))

check-conformance:
	@ci/check-conformance

valgrind: $(UNIT_BIN) all
	@ci/valgrind $(UNIT_BIN)
	@FLY=$(abspath $(BUILD))/fly ci/valgrind-run

sanitize:
	$(MAKE) BUILD=build/sanitize \
	    CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
	    LDFLAGS='-fsanitize=address,undefined' unit
	@ci/sanitize-integration

bench: all
	@bench/run

check: deps
	$(MAKE) check-conformance
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) valgrind
	$(MAKE) sanitize
	$(MAKE) integration

# The other stages of the CI pipeline (docs/ci.md); `make ci` runs them all.
format-check:
	@ci/format-check

static-analysis:
	@ci/static-analysis

shellcheck:
	@ci/shellcheck

ci:
	@ci/all

clean:
	rm -rf --one-file-system $(BUILD)

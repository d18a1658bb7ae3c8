# Sourced by bench/fetch: builds the benchmark image.
# shellcheck shell=bash

# make_bench_image MKACI WORK OUT: with tests/fixtures/mkaci, build a gzip
# ACI of about 100 MB of tar: 60 MB of random bytes in 6 files, 40 MB of
# compressible text in 4 files, and 2000 small text files in 20
# directories, like a typical rootfs's many small files.
make_bench_image() {
	local mkaci=$1 work=$2 out=$3 root=$2/rootfs i j

	mkdir -p "$root/data" "$root/text"
	for i in 1 2 3 4 5 6; do
		head -c 10M /dev/urandom >"$root/data/random.$i"
	done
	for i in 1 2 3 4; do
		awk -v f="$i" 'BEGIN {
			while (size < 10485760) {
				line = sprintf("line %d of text %d\n", ++n, f)
				printf "%s", line
				size += length(line)
			}
		}' >"$root/text/log.$i"
	done
	for i in $(seq 1 20); do
		mkdir -p "$root/small/d$i"
		for j in $(seq 1 100); do
			printf 'file %d/%d\n%s\n' "$i" "$j" \
				"$(seq -s ' ' 1 $((j * 10)))" \
				>"$root/small/d$i/f$j"
		done
	done
	cat >"$work/manifest" <<'EOF'
{
  "acKind": "ImageManifest",
  "acVersion": "0.8.11",
  "name": "example.com/fly-bench",
  "labels": [{ "name": "version", "value": "1.0.0" }]
}
EOF
	"$mkaci" -c gzip "$work/manifest" "$root" "$out"
	rm -rf --one-file-system "$root"
}

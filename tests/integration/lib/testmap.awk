# Print one line per @test of the .bats files given, tab-separated:
#   FILE  NAME  AREA  LEVEL  COVERS
# from the "# covers: ID..." and "# bats test_tags=area:AREA,LEVEL" lines
# above each test (docs/conformance.md).  A missing field prints as "-".
# Usage: awk -f testmap.awk FILE.bats...

function reset() {
	area = "-"
	level = "-"
	covers = "-"
}

# The name as bash reads it between double quotes, as bats does.
function unquote(s,   out, c, i) {
	out = ""
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "\\" && index("\\\"$`", substr(s, i + 1, 1))) {
			i++
			c = substr(s, i, 1)
		}
		out = out c
	}
	return out
}

FNR == 1 {
	reset()
	file = FILENAME
	sub(/.*\//, "", file)
}

/^# covers:/ {
	covers = substr($0, 10)
	gsub(/^[ \t]+|[ \t]+$/, "", covers)
	gsub(/[ \t]+/, " ", covers)
	if (covers == "")
		covers = "-"
}

/^# bats test_tags=/ {
	n = split(substr($0, 18), tags, /[ \t]*,[ \t]*/)
	for (i = 1; i <= n; i++) {
		gsub(/[ \t]/, "", tags[i])
		if (tags[i] ~ /^area:/)
			area = substr(tags[i], 6)
		else if (tags[i] != "")
			level = tags[i]
	}
}

/^@test "/ {
	name = substr($0, 8)
	name = unquote(substr(name, 1, index(name, "\" {") - 1))
	printf "%s\t%s\t%s\t%s\t%s\n", file, name, area, level, covers
	reset()
}

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
	name = substr(name, 1, index(name, "\" {") - 1)
	printf "%s\t%s\t%s\t%s\t%s\n", file, name, area, level, covers
	reset()
}

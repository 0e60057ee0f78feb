#!/usr/bin/env bash
# Checks the documentation against the tree:
#  (a) every relative Markdown link `](path)` in README.md, ARCHITECTURE.md,
#      CHANGELOG.md and docs/*.md names a file or folder that exists (resolved
#      from the linking file's folder; http(s) and mailto links and #anchors
#      are skipped, a #fragment is dropped; fenced code and `code spans` are
#      not read);
#  (b) every `path/to/file.rs::fn_name` in docs/HIPAA.md names a file that
#      exists and contains `fn fn_name`.
# Prints each failure and exits 1 if there is any; otherwise one summary line.
#
# Usage: bash scripts/check-docs.sh
set -euo pipefail
cd "$(dirname "$0")/.."

failures=0
links=0
refs=0

fail() {
    echo "check-docs: $*" >&2
    failures=$((failures + 1))
}

# Prints "LINE<TAB>TARGET" for each `](TARGET)` of a Markdown file, outside
# fenced code blocks and inline code spans.
link_targets() {
    awk '
        /^[[:space:]]*(```|~~~)/ { fence = !fence; next }
        fence { next }
        {
            line = $0
            gsub(/`[^`]*`/, "", line)
            while (match(line, /\]\([^)]*\)/)) {
                print NR "\t" substr(line, RSTART + 2, RLENGTH - 3)
                line = substr(line, RSTART + RLENGTH)
            }
        }
    ' "$1"
}

# (a) relative links
shopt -s nullglob
md_files=(README.md ARCHITECTURE.md CHANGELOG.md docs/*.md)
shopt -u nullglob
checked_files=0
for file in "${md_files[@]}"; do
    if [[ ! -f $file ]]; then
        fail "$file: the file is missing"
        continue
    fi
    checked_files=$((checked_files + 1))
    dir=$(dirname "$file")
    while IFS=$'\t' read -r line target; do
        # Trim, drop <angle brackets>, and a "title" after the path.
        target="${target#"${target%%[![:space:]]*}"}"
        target="${target#<}"
        target="${target%%>*}"
        target="${target%%[[:space:]]*}"
        case "$target" in
            "" | "#"* | http://* | https://* | mailto:*) continue ;;
        esac
        path="${target%%#*}"
        path="${path%%\?*}"
        path="${path//%20/ }"
        [[ -z $path ]] && continue
        links=$((links + 1))
        if [[ $path == /* ]]; then
            resolved="${path#/}"
        elif [[ $dir == . ]]; then
            resolved="$path"
        else
            resolved="$dir/$path"
        fi
        if [[ ! -e $resolved ]]; then
            fail "$file:$line: broken link ($target): $resolved does not exist"
        fi
    done < <(link_targets "$file")
done

# (b) test references in docs/HIPAA.md
hipaa=docs/HIPAA.md
if [[ ! -f $hipaa ]]; then
    fail "$hipaa: the file is missing"
else
    while IFS=: read -r line ref; do
        refs=$((refs + 1))
        rs="${ref%%::*}"
        fn="${ref#*::}"
        if [[ ! -f $rs ]]; then
            fail "$hipaa:$line: $ref: no file $rs"
        elif ! grep -Eq "(^|[^A-Za-z0-9_])fn[[:space:]]+${fn}[[:space:]]*[(<]" "$rs"; then
            fail "$hipaa:$line: $ref: $rs has no fn $fn"
        fi
    done < <(grep -noE '[A-Za-z0-9_./-]+\.rs::[A-Za-z_][A-Za-z0-9_]*' "$hipaa" || true)
    if [[ $refs -eq 0 ]]; then
        fail "$hipaa: no file.rs::test_name references found"
    fi
fi

if [[ $failures -gt 0 ]]; then
    echo "check-docs: $failures problem(s) found" >&2
    exit 1
fi
echo "check-docs: ok — $links relative links in $checked_files files and $refs test references in $hipaa all resolve"

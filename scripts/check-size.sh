#!/usr/bin/env bash
# Size limits of the sources under src/ (what a reader can hold in their head):
#   - no file over 600 lines;
#   - no function over 80 lines, as Debian's pmccabe counts them (first to last line).
# pmccabe reads C, and C++ only approximately: each file goes through a small rewrite first that
# keeps every line where it is (comments and string literals blanked, digit separators dropped,
# nested namespace names joined, noexcept / override / final / trailing return types removed).
# The exceptions below are named with the reason each is allowed to stay as it is.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
max_file_lines=600
max_function_lines=80

# "path" -> why it may be longer than max_file_lines.
declare -A file_exceptions=(
)
# "path:function" (as pmccabe names it, namespaces joined with __) -> why it may be longer.
declare -A function_exceptions=(
)

command -v pmccabe >/dev/null || { echo "size check: pmccabe is not installed (scripts/packages.txt)"; exit 1; }

status=0
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/sanitize.py" <<'PY'
import os, re, sys

def blank(text):
    """Comments, string and character literals (raw strings included) blanked; newlines kept."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith('//', i):
            j = text.find('\n', i)
            j = n if j < 0 else j
            out.append(' ' * (j - i)); i = j
        elif text.startswith('/*', i):
            j = text.find('*/', i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r'[^\n]', ' ', text[i:j])); i = j
        elif c == 'R' and text.startswith('"', i + 1) and not (i and (text[i - 1].isalnum() or text[i - 1] == '_')):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            end = text.find(')' + m.group(1) + '"', i) if m else -1
            if m and end >= 0:
                j = end + len(m.group(1)) + 2
                out.append('""' + re.sub(r'[^\n]', '', text[i:j])); i = j
            else:
                out.append(c); i += 1
        elif c == "'" and i and text[i - 1].isalnum() and i + 1 < n and text[i + 1].isalnum():
            i += 1  # a digit separator (1'000): dropped, pmccabe would read a character literal
        elif c in '"\'':
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == '\\' else 1
            out.append(c + c); i = j + 1
        else:
            out.append(c); i += 1
    return ''.join(out)

def rewrite(text):
    text = blank(text)
    text = re.sub(r'^(\s*namespace\s+)([A-Za-z_0-9:]+)',
                  lambda m: m.group(1) + m.group(2).replace('::', '__'), text, flags=re.M)
    text = re.sub(r'\)((?:\s*(?:const|noexcept(?:\s*\([^()]*\))?|override|final)\b)+)',
                  lambda m: ') const' if re.match(r'\s*const\b', m.group(1)) else ')', text)
    return re.sub(r'\)\s*->\s*[^{};()]*(\([^()]*\))?[^{};()]*\{', ') {', text)

# argv: the output dir, then the sources (paths relative to the current directory).
out_dir = sys.argv[1]
for rel in sys.argv[2:]:
    target = os.path.join(out_dir, rel)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(rel, encoding='utf-8') as f, open(target, 'w', encoding='utf-8') as out:
        out.write(rewrite(f.read()))
PY

cd "$root"
mapfile -t files < <(find src \( -name '*.cpp' -o -name '*.hpp' \) | sort)
for rel in "${files[@]}"; do
  lines=$(wc -l < "$rel")
  if (( lines > max_file_lines )) && [[ -z "${file_exceptions[$rel]:-}" ]]; then
    echo "size check: $rel has $lines lines (limit $max_file_lines): split it by job"
    status=1
  fi
done

# pmccabe over the rewritten copies (same relative paths under $tmp/src), all in one run.
python3 "$tmp/sanitize.py" "$tmp" "${files[@]}"
if ! (cd "$tmp" && pmccabe "${files[@]}") > "$tmp/out" 2> "$tmp/err" || [[ -s "$tmp/err" ]]; then
  echo "size check: pmccabe cannot read a file: $(head -3 "$tmp/err")"
  status=1
fi
# Each line: complexities, statements, first line, length, "path(line): name".
declare -A long_functions=()
while IFS=$'\t' read -r _ _ _ first length where; do
  rel="${where%%(*}"
  name="${where#*: }"
  (( length > max_function_lines )) && long_functions[$rel:$name]=1
  if (( length > max_function_lines )) && [[ -z "${function_exceptions[$rel:$name]:-}" ]]; then
    echo "size check: $rel:$first $name has $length lines (limit $max_function_lines)"
    status=1
  fi
done < "$tmp/out"

# An exception that no longer applies is stale: drop it.
for key in "${!file_exceptions[@]}"; do
  if [[ ! -f "$root/$key" ]] || (( $(wc -l < "$root/$key") <= max_file_lines )); then
    echo "size check: stale file exception $key"; status=1
  fi
done

for key in "${!function_exceptions[@]}"; do
  if [[ -z "${long_functions[$key]:-}" ]]; then
    echo "size check: stale function exception $key"; status=1
  fi
done

[ $status -eq 0 ] && echo "size check: ok"
exit $status

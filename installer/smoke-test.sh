#!/usr/bin/env bash
# Unpacks the built .deb into a temporary root (no install), starts its launcher under Xvfb with --smoke-test on a
# shipped dictionary, and checks the exit status and that the screenshot is not blank.
set -euo pipefail
cd "$(dirname "$0")/.."
deb=$(ls installer/target/dist/*.deb | head -n 1)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg -x "$deb" "$root"
dpkg-deb -e "$deb" "$root/DEBIAN"
app="$root/opt/sparsescope"
# file types: dictionaries by whole file name (installed by postinst), never every *.safetensors or *.pt
types="$app/lib/app/resources/desktop/sparsescope-dictionaries.xml"
for name in sae_weights.safetensors sae.safetensors learned_dicts.pt ae.pt; do
  grep -q "pattern=\"$name\"" "$types" || { echo "installer: $types lacks $name" >&2; exit 1; }
done
grep -q "sparsescope-dictionaries.xml" "$root/DEBIAN/postinst" || { echo "installer: postinst does not install the file types" >&2; exit 1; }
if grep -rqE 'pattern="\*\.(safetensors|pt)"' "$app" "$root/DEBIAN" 2>/dev/null; then
  echo "installer: the package still claims every *.safetensors or *.pt" >&2; exit 1
fi
shot="$root/smoke.png"
export SPARSESCOPE_WORKSPACE="$root/workspace"
xvfb-run -a -s "-screen 0 1600x1000x24" "$app/bin/sparsescope" --smoke-test "$app/lib/app/resources/demo/dictionaries/l1_4.11e-03" --screenshot "$shot"
python3 - "$shot" <<'PY'
import sys, struct, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat, w, h = 8, b'', 0, 0
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        w, h = struct.unpack('>II', body[:8])
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
distinct = len(set(raw[i:i + 3] for i in range(0, len(raw) - 3, 97)))
print(f'screenshot {w}x{h}, {len(data)} bytes, {distinct} distinct samples')
assert w >= 800 and h >= 600 and distinct > 64, 'the screenshot is blank'
PY
echo "installer smoke test passed: $(basename "$deb") ($(du -h "$deb" | cut -f1))"

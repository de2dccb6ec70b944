"""Run llama_cpp.server (in the LLM venv) with ggml's extra buffer types off.

With llama-cpp-python 0.3.36 built on a CPU with AMX (this machine kind), the
first completion crashes the server with SIGSEGV in the weight-repacking path;
turning `use_extra_bufts` off (its plain CPU path) avoids it. Same arguments as
`python -m llama_cpp.server`. Not imported by h2h or its tests: run as a script.
"""

import sys

import llama_cpp.llama as llama_module

_defaults = llama_module.llama_cpp.llama_model_default_params


def _params():  # type: ignore[no-untyped-def]
    params = _defaults()
    params.use_extra_bufts = False
    return params


llama_module.llama_cpp.llama_model_default_params = _params

from llama_cpp.server.__main__ import main  # noqa: E402  (after the patch)

sys.exit(main())

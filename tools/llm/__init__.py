"""The LLM layer: providers behind one guarded, cached, budgeted structured-output interface."""

from tools.llm.base import LLMError, StructuredLLM
from tools.llm.factory import build_llm, build_prompt_cache
from tools.llm.failures import LLMFailure, TransientLLMError
from tools.llm.guarded import CallRecord, GuardedLLM, LLMStats, RetryPolicy
from tools.llm.routing import RoutedLLM, llm_for, run_scoped

__all__ = [
    "CallRecord",
    "GuardedLLM",
    "LLMError",
    "LLMFailure",
    "LLMStats",
    "RetryPolicy",
    "RoutedLLM",
    "StructuredLLM",
    "TransientLLMError",
    "build_llm",
    "build_prompt_cache",
    "llm_for",
    "run_scoped",
]

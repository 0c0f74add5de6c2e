"""Token generation for the test bed, with grammar-constrained decoding done as Ollama does it.

llama-cpp-python's `create_chat_completion` applies a JSON-schema grammar to every one of the
vocabulary's tokens at every step: with Qwen's 151k tokens that is ~0.5 s a token on 2 cores,
so a 150-token answer takes over a minute. Ollama's sampler instead picks a token first, asks
the grammar whether that one token is allowed, and only when it is not applies the grammar to
the whole vocabulary and picks again. Same output, a fraction of the work. This module does
the same with llama.cpp's own grammar sampler, and reuses the KV cache of the longest common
prefix with the previous prompt (as Ollama's runner does).
"""

from __future__ import annotations

import codecs
import ctypes
from collections.abc import Iterator
from typing import Any

import numpy as np


def chat_prompt(llm: Any, messages: list[dict[str, str]]) -> str:
    """The model's own chat template applied to `messages`, ready for the answer."""
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    model = llm._model
    formatter = Jinja2ChatFormatter(
        template=llm.metadata["tokenizer.chat_template"],
        eos_token=model.token_get_text(model.token_eos()),
        bos_token=model.token_get_text(model.token_bos()),
    )
    return str(formatter(messages=messages).prompt)


def grammar_for(fmt: Any) -> str | None:
    """GBNF for Ollama's `format`: "json" or a JSON schema; None for free text."""
    from llama_cpp.llama_grammar import JSON_GBNF, json_schema_to_gbnf

    if fmt == "json":
        return str(JSON_GBNF)
    if isinstance(fmt, dict):
        import json

        return str(json_schema_to_gbnf(json.dumps(fmt)))
    return None


def generate(
    llm: Any,
    messages: list[dict[str, str]],
    *,
    grammar: str | None,
    max_tokens: int | None,
    temperature: float,
    seed: int | None,
    repeat_penalty: float = 1.1,
    repeat_last_n: int = 64,
) -> Iterator[tuple[str, str | None]]:
    """Yield (text piece, None) as tokens come, then ("", "stop" | "length"). Tokens among
    the last `repeat_last_n` generated are penalised by `repeat_penalty`, as Ollama's llama.cpp
    runner does by default (its Modelfile defaults: 1.1 over 64 tokens)."""
    import llama_cpp

    tokens = llm.tokenize(chat_prompt(llm, messages).encode("utf-8"), special=True)
    _evaluate_prompt(llm, tokens)
    vocab = llm._model.vocab
    sampler = (
        llama_cpp.llama_sampler_init_grammar(vocab, grammar.encode("utf-8"), b"root")
        if grammar
        else None
    )
    rng = np.random.default_rng(seed)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    budget = max_tokens or (llm.n_ctx() - llm.n_tokens)
    recent: list[int] = []
    try:
        for _ in range(budget):
            logits = np.ctypeslib.as_array(llm._ctx.get_logits_ith(-1), shape=(llm.n_vocab(),))
            if recent and repeat_penalty != 1.0:
                logits = _penalised(logits, recent, repeat_penalty)
            token = _pick(logits, temperature, rng)
            if sampler is not None and not _allowed(sampler, token, logits[token]):
                token = _pick(_constrained(sampler, logits), temperature, rng)
            if llama_cpp.llama_vocab_is_eog(vocab, token):
                yield decoder.decode(b"", final=True), "stop"
                return
            if sampler is not None:
                llama_cpp.llama_sampler_accept(sampler, token)
            if repeat_last_n:
                recent = [*recent, token][-repeat_last_n:]
            piece = decoder.decode(llm.detokenize([token], special=False))
            if piece:
                yield piece, None
            llm.eval([token])
        yield decoder.decode(b"", final=True), "length"
    finally:
        if sampler is not None:
            llama_cpp.llama_sampler_free(sampler)


def _evaluate_prompt(llm: Any, tokens: list[int]) -> None:
    """Evaluate what the KV cache does not already hold of `tokens` (keep at least one new)."""
    cached = llm.input_ids[: llm.n_tokens].tolist()
    common = 0
    for old, new in zip(cached, tokens, strict=False):
        if old != new:
            break
        common += 1
    llm.n_tokens = min(common, len(tokens) - 1)
    llm.eval(tokens[llm.n_tokens :])


def _penalised(logits: np.ndarray, recent: list[int], penalty: float) -> np.ndarray:
    """llama.cpp's repetition penalty: a recent token's logit divided by `penalty` when
    positive, multiplied by it when negative."""
    out = np.array(logits, dtype=np.single)
    seen = np.unique(np.asarray(recent, dtype=np.intp))
    out[seen] = np.where(out[seen] > 0, out[seen] / penalty, out[seen] * penalty)
    return out


def _pick(logits: np.ndarray, temperature: float, rng: np.random.Generator) -> int:
    if temperature <= 0:
        return int(np.argmax(logits))
    scaled = (logits - np.max(logits)) / temperature
    weights = np.exp(scaled, where=np.isfinite(scaled), out=np.zeros_like(scaled))
    return int(rng.choice(len(weights), p=weights / weights.sum()))


def _allowed(sampler: Any, token: int, logit: float) -> bool:
    """Does the grammar allow `token` next? (It sets a forbidden token's logit to -inf.)"""
    import llama_cpp

    data = (llama_cpp.llama_token_data * 1)(llama_cpp.llama_token_data(token, float(logit), 0.0))
    array = llama_cpp.llama_token_data_array(
        data=ctypes.cast(data, llama_cpp.llama_token_data_p), size=1, selected=-1, sorted=False
    )
    llama_cpp.llama_sampler_apply(sampler, ctypes.byref(array))
    return bool(np.isfinite(data[0].logit))


def _constrained(sampler: Any, logits: np.ndarray) -> np.ndarray:
    """The logits with every token the grammar forbids set to -inf."""
    import llama_cpp

    n = len(logits)
    data = np.recarray(
        (n,), dtype=np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)], align=True)
    )
    data.id[:] = np.arange(n, dtype=np.intc)
    data.logit[:] = logits
    data.p[:] = 0
    array = llama_cpp.llama_token_data_array(
        data=data.ctypes.data_as(llama_cpp.llama_token_data_p), size=n, selected=-1, sorted=False
    )
    llama_cpp.llama_sampler_apply(sampler, ctypes.byref(array))
    return np.asarray(data.logit, dtype=np.single)

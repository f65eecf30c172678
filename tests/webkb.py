"""A knowledge base for the web tests: the seed corpus, one real-audio episode, one hostile article."""
from __future__ import annotations

import shutil
import wave
from pathlib import Path

from conftest import DATA

JFK = "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
PAYLOAD_TITLE = "<script>window.__pwned='title'</script>Stakeholder payload"
PAYLOAD_TEXT = (
    "Mapping stakeholders is the first step. <script>window.__pwned='text'</script> "
    "<img src=x onerror=\"window.__pwned='img'\"> Ask who holds the budget, who holds influence, and who will "
    "block you; then meet each of them before the steering committee does. A stakeholder map "
    "turns a room of strangers into allies, one conversation at a time.\n\n"
    "Write the map down & share it </mark><mark>with your sponsor."
)
SPONSOR_TEXT = (
    "An executive sponsor is a senior leader who lends you authority you do not have. Look for a sponsor "
    "whose goals your customer-experience work advances; ask for twenty minutes, not a commitment. "
    "Bring one number the sponsor already cares about, and one customer story that makes it vivid. "
    "Afterwards, send a short note that says what you heard, what you will do, and when you will report back."
)
# Eleven-second blocks of the real JFK recording; the quote sits in the block starting at 99 s.
BLOCK_TEXTS = [
    "Welcome to the show about winning internal support for customer experience work.",
    "Today we talk about executive sponsors and why they matter to every programme.",
    "A sponsor opens doors that a manager without authority cannot open alone.",
    "First, find out what keeps your chief financial officer awake at night.",
    "Second, tie every customer metric to revenue or cost the board already tracks.",
    "Third, bring one vivid customer story to every leadership meeting you attend.",
    "Many practitioners skip the pre-meeting and then wonder why the vote failed.",
    "Build relationships with peers in finance, operations and IT long before you need them.",
    "Now here is a famous line about asking what you can give, not what you can take.",
    JFK,
    "That spirit of contribution is how influence without authority is earned.",
    "Thanks for listening; next week we map stakeholders in detail.",
]


def long_episode_audio(target: Path) -> Path:
    """The 11 s JFK WAV repeated twelve times: a real recording long enough to seek in."""
    with wave.open(str(DATA / "audio" / "wcpp_jfk.wav"), "rb") as source:
        params = source.getparams()
        frames = source.readframes(source.getnframes())
    with wave.open(str(target), "wb") as out:
        out.setparams(params)
        for _ in BLOCK_TEXTS:
            out.writeframes(frames)
    return target


def build(corpus_data: Path, target: Path) -> Path:
    """A copy of the seed corpus's data directory plus the episode and the hostile article."""
    from clout.index.kb import KnowledgeBase
    from clout.document import Document, Segment

    data = target / "data"
    shutil.copytree(corpus_data, data, ignore=shutil.ignore_patterns("write.lock"))
    audio = long_episode_audio(target / "episode.wav")
    segments = [Segment(i * 11.0, (i + 1) * 11.0, text) for i, text in enumerate(BLOCK_TEXTS)]
    kb = KnowledgeBase(data)
    with kb.writing():
        kb.add(Document(
            source="test:episode/ask-not", kind="episode", title="Ask not: influence without authority",
            site="The Buy-In Show", author="Test Host", date="2024-03-01", audio_url=str(audio),
            text=" ".join(BLOCK_TEXTS), segments=segments, extra={"audio_path": str(audio.resolve()), "audio_type": "audio/wav"}, duration=132.0,
        ))
        kb.add(Document(
            source="test:article/payload", kind="article", title=PAYLOAD_TITLE, site="<b>Evil</b> Site",
            author="<i>Mallory</i>", date="2023-01-01", url="javascript:window.__pwned='url'", text=PAYLOAD_TEXT,
        ))
        kb.add(Document(
            source="test:episode/flac", kind="episode", title="JFK, the original FLAC", site="Speeches",
            audio_url="https://audio.example/jfk.flac", text=JFK + " Remote audio only.",
            segments=[Segment(0.0, 11.0, JFK + " Remote audio only.")],
        ))
        kb.add(Document(
            source="test:article/sponsor", kind="article", title="Finding an executive sponsor", site="Example Journal",
            url="https://journal.example/sponsor", author="Ada Example", date="2022-06-15", text=SPONSOR_TEXT,
        ))
    kb.close()
    return data

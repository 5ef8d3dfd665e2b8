"""``StreamedStory``: reportlab takes every chunk, in order, and pulls the next one only when it needs it, so a long
document never holds all its chunks (or the data behind them) at once."""

import io

from reportlab.platypus import Flowable, PageBreak

from housing.reports.pdf import Document, SectionStart, StreamedStory, para

from .conftest import pdf_pages

CHUNKS = 400  # about eight pages of one paragraph each


class Probe(Flowable):
    """Takes no space; when drawn, notes how many chunks the generator had produced by then and on which page."""

    def __init__(self, index, produced, seen):
        super().__init__()
        self.index, self.produced, self.seen = index, produced, seen

    def wrap(self, available_width, available_height):
        return 0, 0

    def draw(self):
        self.seen.append((self.index, self.produced[0], self.canv.getPageNumber()))


def streamed(count=CHUNKS, seen=None):
    produced = [0]

    def chunks():
        for index in range(count):
            produced[0] += 1
            chunk = [para(f"Abschnitt {index:03d} – Şükrü Łukasz Ţăran Straße")]
            if seen is not None:
                chunk.insert(0, Probe(index, produced, seen))
            yield chunk

    return StreamedStory(chunks()), produced


def build(story) -> bytes:
    out = io.BytesIO()
    Document("Probe", issuer="Stadt Dortmund").build(story, out)
    return out.getvalue()


def test_every_chunk_is_printed_in_order():
    story, produced = streamed()

    pages = pdf_pages(build(story))

    text = " ".join(pages)
    positions = [text.index(f"Abschnitt {index:03d} – Şükrü Łukasz Ţăran Straße") for index in range(CHUNKS)]
    assert positions == sorted(positions)
    assert produced[0] == CHUNKS
    assert len(pages) >= 5
    assert [page[-len(f"Seite {n} von {len(pages)}"):] for n, page in zip(range(1, len(pages) + 1), pages,
                                                                          strict=True)] \
        == [f"Seite {n} von {len(pages)}" for n in range(1, len(pages) + 1)]


def test_the_chunks_are_pulled_one_at_a_time_as_the_pages_fill():
    seen = []
    story, produced = streamed(seen=seen)

    build(story)

    assert [index for index, _produced, _page in seen] == list(range(CHUNKS))
    # when a chunk is drawn, the generator is at most one chunk ahead of it
    assert all(count - (index + 1) <= 1 for index, count, _page in seen)
    on_first_page = [count for _index, count, page in seen if page == 1]
    assert max(on_first_page) < CHUNKS / 4  # the first page was done long before the last chunk was made
    assert seen[-1][2] >= 5


def test_empty_chunks_are_skipped_and_an_empty_story_is_false():
    assert not StreamedStory(iter([]))
    assert not StreamedStory([[], []])

    story = StreamedStory([[], [para("eins")], [], [para("zwei")], []])

    assert story
    assert " ".join(pdf_pages(build(story))).count("eins zwei") == 1


def test_sections_in_a_streamed_story_restart_the_page_numbers():
    def chunks():
        for name, length in (("Ştefan", 1), ("Łucja", 3), ("Weiß", 2)):
            story = [SectionStart(f"Nachweis {name}")]
            for page in range(length):
                story.append(para(f"{name} Blatt {page + 1}"))
                story.append(PageBreak())
            yield story

    pages = pdf_pages(build(StreamedStory(chunks())))

    footers = [page[page.index("Nachweis"):] for page in pages]
    assert footers == ["Nachweis Ştefan Seite 1 von 1",
                       "Nachweis Łucja Seite 1 von 3", "Nachweis Łucja Seite 2 von 3", "Nachweis Łucja Seite 3 von 3",
                       "Nachweis Weiß Seite 1 von 2", "Nachweis Weiß Seite 2 von 2"]

"""Text for the bulk loader: people's names, subjects and message bodies with a
vocabulary shaped like real support mail (a few words very common, most rare), and the
two marker words a search benchmark looks for.

Bodies are drawn from pools of sentences made once per load: drawing words one by one
for four million messages would cost more than the database inserts themselves."""

import random
from dataclasses import dataclass

# Put into tickets by the loader alone, so how many tickets hold each is known exactly:
# no other word, name or sentence here contains either (check_markers proves it).
# The rare word is in the same number of tickets at every size (a name, an order id), so
# a search for it answers the same page and total at 10,000 tickets as at a million;
# the common word grows with the data.
RARE_WORD = "chargeback"  # in 20 tickets, spread over the load
COMMON_WORD = "refund"  # in about 1 ticket of 4
RARE_TICKETS = 20
COMMON_SHARE = 0.25

# Support vocabulary, most frequent first (frequencies follow Zipf's law by rank).
WORDS = """
the i to a and my is it in not of for you this on can that have with game was but be
help please me when do get account just what so are at from as no there now any again
work if how after or they by out still up will all one time cant an some working why
back its would has log login error been did problem issue even trying try need know
server join item items lost data ranked rank group join able keeps fix since today
update message support player players someone reported report ban banned appeal unfair
crash crashes crashing loading screen stuck black mobile phone pc console tablet laptop
robux purchase gamepass pass bought paid payment charged twice money missing coins gems
inventory trade trading scam scammed stole stolen hacked password email verify code
two factor reset changed username display name profile avatar friend friends chat voice
muted kicked exploit exploiter cheating cheater speed fly teleport glitch bug bugs map
spawn respawn quest level xp experience pet pets egg hatch shop store developer admin
moderator staff team please thanks thank appreciate urgent asap yesterday week weeks
month hours minutes days waited waiting response answer reply replied ticket tickets
ago morning night weekend happened happening again always never sometimes every first
last second new old version latest patch broke broken lag lagging ping frames fps
freeze freezes frozen disconnect disconnected kicked timeout network wifi internet
install reinstall restart restarted cleared cache tried nothing worked works anyone
else same friend sister brother parent mom dad school computer settings graphics audio
sound music volume keyboard controller mouse touch button click clicked menu tab page
window popup notification badge title award event limited edition skin outfit hat
accessory emote animation tool sword gun weapon vehicle car house plot build building
save saved saving progress reset wiped gone disappeared vanished deleted restored
restore recover recovered purchases receipts receipt screenshot video proof
attached attachment link server id place private vip owner owned ownership transfer
"""
FIRST_NAMES = [
    "alex",
    "sam",
    "jordan",
    "taylor",
    "morgan",
    "casey",
    "riley",
    "jamie",
    "avery",
    "quinn",
    "blake",
    "drew",
    "emery",
    "finley",
    "harper",
    "hayden",
    "jesse",
    "kai",
    "logan",
    "micah",
    "noel",
    "parker",
    "reese",
    "rowan",
    "sage",
    "skyler",
    "toby",
    "wren",
    "ava",
    "liam",
    "noah",
    "emma",
    "olivia",
    "mia",
    "lucas",
    "ethan",
    "zoe",
    "leo",
    "nora",
    "eli",
    "ivy",
    "max",
    "ruby",
    "owen",
    "luna",
]
LAST_NAMES = [
    "smith",
    "jones",
    "brown",
    "lee",
    "wilson",
    "taylor",
    "clark",
    "hall",
    "allen",
    "young",
    "king",
    "wright",
    "scott",
    "green",
    "baker",
    "adams",
    "nelson",
    "hill",
    "campbell",
    "mitchell",
    "roberts",
    "carter",
    "phillips",
    "evans",
    "turner",
    "torres",
    "parker",
    "collins",
    "edwards",
    "stewart",
    "morris",
    "murphy",
    "cook",
    "rogers",
    "morgan",
    "peterson",
    "cooper",
    "reed",
]
HANDLE_WORDS = [
    "swift",
    "silent",
    "brave",
    "lucky",
    "shadow",
    "crimson",
    "golden",
    "frost",
    "storm",
    "pixel",
    "turbo",
    "cosmic",
    "ninja",
    "falcon",
    "tiger",
    "wolf",
    "dragon",
    "panda",
    "otter",
    "raven",
    "comet",
    "rocket",
    "blaze",
    "ember",
    "nova",
    "orbit",
]
SUBJECT_OPENINGS = (
    "Help with", "Problem with", "Issue with", "Question about", "Cannot", "Lost my",
    "Missing", "Bug:", "Report:", "Appeal:", "Need help with", "Urgent:", "",
)  # fmt: skip
STAFF_OPENERS = ("Hi,", "Hello,", "Thanks for reaching out.", "Sorry about that.", "")
STAFF_CLOSERS = ("Let us know if it happens again.", "Best regards.", "Thanks!", "")
_SYLLABLES = [
    "ba",
    "be",
    "bo",
    "da",
    "de",
    "do",
    "ka",
    "ke",
    "ko",
    "la",
    "le",
    "lo",
    "ma",
    "me",
    "mo",
    "na",
    "ne",
    "no",
    "pa",
    "pe",
    "po",
    "ra",
    "re",
    "ro",
    "sa",
]


def _zipf_weights(count: int, exponent: float = 1.05) -> list[float]:
    return [1.0 / (rank**exponent) for rank in range(1, count + 1)]


def _made_up_words(rng: random.Random, count: int) -> list[str]:
    """The long tail: words that occur a handful of times (names of items, places)."""
    made = {"".join(rng.choices(_SYLLABLES, k=rng.randint(3, 4))) for _ in range(count)}
    return sorted(made)


@dataclass
class Vocabulary:
    """Pools of subjects, author sentences and staff sentences, drawn with Zipf weights."""

    subjects: list[str]
    author_sentences: list[str]
    staff_sentences: list[str]
    words: list[str]

    @classmethod
    def build(cls, rng: random.Random, pool_size: int = 40_000) -> "Vocabulary":
        words = list(dict.fromkeys(WORDS.split())) + _made_up_words(rng, 4_000)
        cumulative = _cumulative(_zipf_weights(len(words)))

        def phrase(low: int, high: int) -> str:
            return " ".join(rng.choices(words, cum_weights=cumulative, k=rng.randint(low, high)))

        subjects = [_subject(rng, phrase(2, 6)) for _ in range(pool_size)]
        author = [phrase(5, 18).capitalize() + rng.choice(".?!") for _ in range(pool_size)]
        staff = [phrase(6, 16).capitalize() + "." for _ in range(pool_size)]
        return cls(subjects, author, staff, words)

    def subject(self, rng: random.Random) -> str:
        return rng.choice(self.subjects)

    def author_text(self, rng: random.Random) -> str:
        return " ".join(rng.choices(self.author_sentences, k=rng.randint(1, 4)))

    def staff_text(self, rng: random.Random) -> str:
        parts = [rng.choice(STAFF_OPENERS), *rng.choices(self.staff_sentences, k=rng.randint(1, 3))]
        parts.append(rng.choice(STAFF_CLOSERS))
        return " ".join(p for p in parts if p)

    def note_text(self, rng: random.Random) -> str:
        return rng.choice(self.staff_sentences)


def _cumulative(weights: list[float]) -> list[float]:
    total, running = 0.0, []
    for w in weights:
        total += w
        running.append(total)
    return running


def _subject(rng: random.Random, words: str) -> str:
    opening = rng.choice(SUBJECT_OPENINGS)
    return f"{opening} {words}".strip().capitalize()[:200]


def with_marker(subject: str, body: str, marker: str) -> tuple[str, str]:
    """The subject and opening message with the marker word in both, so a search of the
    subject alone and one that reads messages find the same tickets."""
    return f"{subject} ({marker})", f"{body} Reference: {marker}."


def person_names(rng: random.Random, n: int) -> tuple[str, str]:
    """A Roblox-style username (unique by `n`) and a display name."""
    first, second = rng.choice(HANDLE_WORDS), rng.choice(HANDLE_WORDS)
    return f"{first.title()}{second.title()}{n}", f"{first.title()} {second.title()}"


def contact_names(rng: random.Random, n: int) -> tuple[str, str]:
    """A helpdesk contact's display name and e-mail address (unique by `n`)."""
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return f"{first.title()} {last.title()}", f"{first}.{last}.{n}@example.com"


def check_markers(vocabulary: Vocabulary) -> None:
    """Refuses to load when a marker word could also match text it was not put into
    (searches match substrings, ignoring case)."""
    texts = [
        *vocabulary.words, *SUBJECT_OPENINGS, *STAFF_OPENERS, *STAFF_CLOSERS, *FIRST_NAMES,
        *LAST_NAMES, *HANDLE_WORDS, "example.com", "reference",
    ]  # fmt: skip
    for marker in (RARE_WORD, COMMON_WORD):
        clashes = [t for t in texts if marker in t.lower()]
        if clashes:
            raise AssertionError(f"marker {marker!r} also occurs in {clashes[:5]}")
    for pool in (vocabulary.subjects, vocabulary.author_sentences, vocabulary.staff_sentences):
        if any(RARE_WORD in t.lower() or COMMON_WORD in t.lower() for t in pool):
            raise AssertionError("a marker word occurs in the generated text pools")

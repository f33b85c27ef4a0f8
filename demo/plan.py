"""What the demo course contains: its people, where each answer goes on the page, and what
each demo student writes (some right, some with the typical mistakes the checker diagnoses,
a blank, a scribble)."""

from __future__ import annotations

from pathlib import Path

KEY_PATH = Path(__file__).with_name("midterm.yaml")
#: The midterm's printed text (what the blank exam says), written for this project.
PRINTED_PATH = Path(__file__).with_name("printed.md")
COURSE = {"code": "DL101", "title": "Deep Learning 101", "term": "Demo term"}
PASSWORD = "demo-password"
STAFF = [("instructor", "Ada Instructor", "instructor"), ("ta", "Tomas Assistant", "ta")]
STUDENT_NAMES = [
    "Amara Okafor",
    "Ben Fischer",
    "Chen Wei",
    "Dana Levi",
    "Emil Novak",
    "Fatima Zahra",
    "Goran Ilic",
    "Hana Sato",
    "Ivan Petrov",
    "Julia Costa",
    "Kwame Mensah",
    "Lena Berg",
]

#: part id -> (page, box) in page-normalised coordinates (x0, y0, x1, y1), as the key's
#: ``region`` fields say (tests check the two agree).
REGIONS = {
    "1.a": (1, (0.12, 0.28, 0.62, 0.36)),
    "1.b": (1, (0.12, 0.42, 0.62, 0.50)),
    "2.a": (1, (0.12, 0.56, 0.62, 0.64)),
    "2.b": (1, (0.12, 0.70, 0.62, 0.78)),
    "3.a": (2, (0.12, 0.20, 0.62, 0.28)),
    "3.b": (2, (0.12, 0.34, 0.62, 0.42)),
    "4.a": (2, (0.12, 0.48, 0.88, 0.60)),
}
PAGES = 2

#: part id -> answers a student may write: the right one first, then typical mistakes.
ANSWERS = {
    "1.a": ["15", "12", "15"],
    "1.b": ["78", "79", "78"],  # 79: rounded up instead of dropping the last batch
    "2.a": ["218058", "217728", "218058"],  # 217728: biases forgotten
    "2.b": ["62 x 62 x 16", "64 x 64 x 16", "62 x 62 x 16"],  # 64: padding assumed
    "3.a": ["1.386", "0.602", "1.39"],  # 0.602: log base 10
    "3.b": ["18", "-18", "18"],  # -18: sign error
    "4.a": ["units cannot co-adapt", "less overfitting", ""],
}


def answers_for(student_index: int) -> dict[str, str]:
    """The demo student's answer per part: mostly right, a few typical mistakes, a blank."""
    out = {}
    for k, (part_id, options) in enumerate(ANSWERS.items()):
        choice = (student_index * 3 + k) % 7
        if choice in (1, 4):
            out[part_id] = options[1]
        elif choice == 6 and part_id != "4.a":
            out[part_id] = ""  # left blank
        else:
            out[part_id] = options[2] if choice == 5 else options[0]
    return out

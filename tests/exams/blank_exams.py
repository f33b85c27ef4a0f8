"""An instructor's own blank exam PDF, with a text layer, for the tests that find answer
regions on it."""

from __future__ import annotations

import io

from reportlab.pdfgen.canvas import Canvas

MM = 72 / 25.4
PAGE_H_MM = 297.0

#: An instructor's own blank exam: (page, mm from the top, text). Each part's prompt is
#: followed by blank room until the next part, as on a real exam sheet.
BLANK_EXAM = [
    (1, 30, "CS 480 Deep Learning - Quiz 2"),
    (1, 38, "Write your answers in the space below each part."),
    (1, 60, "Question 1: Optimisation (10 points)"),
    (1, 70, "(a) (4 points) A model is trained with SGD and a learning rate of 0.1. The loss"),
    (1, 75, "oscillates. What do you change first, and why?"),
    (1, 150, "(b) (6 points) Give the Adam update for one parameter after one step."),
    (2, 45, "Question 2: Convolutions (8 points)"),
    (2, 55, "(a) (3 points) What is the output shape of a 5 x 5 convolution on 32 x 32 x 3?"),
    (2, 140, "(b) (5 points) How many parameters does that layer have with 16 filters?"),
    (2, 285, "Page 2 of 2"),
]
#: Where each part's answer room lies on that sheet: (page, top mm, bottom mm).
ROOM = {"1.a": (1, 75, 150), "1.b": (1, 150, 280), "2.a": (2, 55, 140), "2.b": (2, 140, 280)}


def blank_exam_pdf() -> bytes:
    """The blank exam above as a PDF with a text layer, drawn as an instructor's would be."""
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(210 * MM, PAGE_H_MM * MM), invariant=True)
    for page in (1, 2):
        for on, y, text in BLANK_EXAM:
            if on == page:
                c.setFont("Helvetica-Bold" if text.startswith("Question") else "Helvetica", 10)
                c.drawString(25 * MM, (PAGE_H_MM - y) * MM, text)
        c.showPage()
    c.save()
    return buf.getvalue()


#: An answer key for the blank exam above: its ids, labels and points as printed.
BLANK_EXAM_KEY = """\
format: 1
key_version: 1
exam: {id: quiz-2, title: Quiz 2}
questions:
  - number: 1
    title: Optimisation
    points: 10
    parts:
      - {number: a, label: (a), points: 4, descriptive: "lower the learning rate"}
      - {number: b, label: (b), points: 6, descriptive: "m, v, bias correction, step"}
  - number: 2
    title: Convolutions
    points: 8
    parts:
      - {number: a, label: (a), points: 3, solver: cnn.conv_gradients,
         params: {input: [32, 32, 3], kernel: 5, filters: 1, padding: valid}, value: output}
      - {number: b, label: (b), points: 5, answer: {integer: 1216}}
"""

ROSTER_CSV = """\
name,student number,email
Ada Lovelace,1001,ada@example.org
Alan Turing,1002,alan@example.org
"""

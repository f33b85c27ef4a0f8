"""Writes of the exams app, one module per subject: ``courses`` (courses, rosters' people),
``roster`` (a roster file), ``structure`` (an exam, its questions, parts and answer regions),
``keys`` (answer keys), ``printing`` (the printed copies and the blank exam), ``submissions``
(the copies, matched to students), ``attention`` (the pages a person places or sets
aside) and ``sweep`` (stored files no row refers to). Keyword-only, typed, atomic; reads are
in ``exams.selectors``."""

"""Grading and feedback pages, one module per area. Thin: access check through selectors,
one service call, domain errors mapped to HTTP statuses, render or redirect.

Write views answer a ``fetch`` request (``Accept: application/json``) with JSON (409 for a
stale score, 400 for a bad value) and a plain form post with a redirect and a message, so
every page also works without its script.
"""

from grading.views.feedback import (
    regrade_request_create,
    regrade_request_for_part,
    submission_detail,
    submission_pdf,
)
from grading.views.groups import group_accept, group_grade, group_merge, group_split, groups
from grading.views.results import (
    exam_anonymous,
    exam_publish,
    exam_stats,
    exam_unpublish,
    export_canvas,
    export_gradebook,
    export_moodle,
    export_scores,
)
from grading.views.review import (
    answer_accept,
    answer_grade,
    answer_transcription,
    regrade_resolve,
    review,
    review_undo,
)
from grading.views.rubric import (
    rubric,
    rubric_import,
    rubric_item_create,
    rubric_item_delete,
    rubric_item_update,
)

__all__ = [
    "answer_accept",
    "answer_grade",
    "answer_transcription",
    "exam_anonymous",
    "exam_publish",
    "exam_stats",
    "exam_unpublish",
    "export_canvas",
    "export_gradebook",
    "export_moodle",
    "export_scores",
    "group_accept",
    "group_grade",
    "group_merge",
    "group_split",
    "groups",
    "regrade_request_create",
    "regrade_request_for_part",
    "regrade_resolve",
    "review",
    "review_undo",
    "rubric",
    "rubric_import",
    "rubric_item_create",
    "rubric_item_delete",
    "rubric_item_update",
    "submission_detail",
    "submission_pdf",
]

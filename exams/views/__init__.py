"""Views of the exams app, one module per area; thin: access check through selectors, one
service call, render or redirect."""

from exams.views.courses import course_detail, home, roster_import, roster_invite
from exams.views.exam import (
    answer_key_install,
    answer_key_skeleton,
    exam_detail,
    exam_print,
    exam_template_upload,
    printed_exam_install,
)
from exams.views.preferences import shortcuts_set
from exams.views.regions import (
    exam_regions,
    exam_regions_find,
    exam_regions_save,
    exam_template_page,
)
from exams.views.scans import (
    answer_crop,
    batch_progress,
    batch_resume,
    exam_attention,
    exam_batches_progress,
    page_discard,
    page_image,
    page_place,
    page_thumbnail,
    page_unplace,
    pages_discard,
    pages_undo,
    scan_upload,
    submission_identify,
)
from exams.views.structure import (
    exam_new,
    exam_new_confirm,
    exam_new_propose,
    exam_new_skeleton,
)

__all__ = [
    "answer_crop",
    "answer_key_install",
    "answer_key_skeleton",
    "batch_progress",
    "batch_resume",
    "course_detail",
    "exam_attention",
    "exam_batches_progress",
    "exam_detail",
    "exam_new",
    "exam_new_confirm",
    "exam_new_propose",
    "exam_new_skeleton",
    "exam_print",
    "exam_regions",
    "exam_regions_find",
    "exam_regions_save",
    "exam_template_page",
    "exam_template_upload",
    "home",
    "page_discard",
    "page_image",
    "page_place",
    "page_thumbnail",
    "page_unplace",
    "pages_discard",
    "pages_undo",
    "printed_exam_install",
    "roster_import",
    "roster_invite",
    "scan_upload",
    "shortcuts_set",
    "submission_identify",
]

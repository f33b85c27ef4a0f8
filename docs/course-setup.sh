#!/bin/sh
# Set up a course from the command line (docs/setup.md): the course and its instructor, the
# roster, the exam from its blank PDF (parts, points and answer regions found on its text),
# the answer key, and the printed copies; after the exam, the scans and the grades.
#
#   docs/course-setup.sh FOLDER before   # FOLDER holds roster.csv, exam.pdf and key.yaml
#   docs/course-setup.sh FOLDER after    # FOLDER holds scans.pdf, the scanned stack
#
# Run it from the repository's root. COURSE, COURSE_TERM, INSTRUCTOR and EXAM_TITLE change
# the names; MANAGE the command that runs manage.py.
set -eu

dir=${1:?usage: docs/course-setup.sh FOLDER before|after}
phase=${2:-before}
manage=${MANAGE:-.venv/bin/python manage.py}
course=${COURSE:-DL101}
term=${COURSE_TERM:-2027 Spring}
title=${EXAM_TITLE:-Quiz 2}
exam=$(printf '%s' "$title" | tr 'A-Z' 'a-z' | tr -cs 'a-z0-9' '-' | sed 's/^-//; s/-$//')

case $phase in
before)
  $manage course_create --code "$course" --term "$term" --title "Deep Learning 101" \
    --instructor "${INSTRUCTOR:-instructor@example.org}"
  $manage roster_import --course "$course" --term "$term" "$dir/roster.csv"
  $manage exam_create --course "$course" --term "$term" --title "$title" --pdf "$dir/exam.pdf"
  $manage key_install --course "$course" --term "$term" --exam "$exam" --yes "$dir/key.yaml"
  $manage print_copies --course "$course" --term "$term" --exam "$exam" --roster \
    --output "$dir/copies.pdf"
  ;;
after)
  $manage ingest --course "$course" --term "$term" --exam "$exam" "$dir/scans.pdf"
  $manage export --course "$course" --term "$term" --exam "$exam" --output "$dir/scores.csv"
  ;;
*)
  echo "usage: docs/course-setup.sh FOLDER before|after" >&2
  exit 2
  ;;
esac

"""Bringing back a job done in another CAT tool (XLIFF 1.2 or 2.0): a review action.

Reading the file is interchange's (``relais.memory.interchange.read_xliff``, which also
writes the export); what the file's units do to the job (edits as revisions, final units
confirmed, notes recorded) goes through the review service and its rules, like any edit.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from relais.errors import InputError
from relais.memory.interchange import ImportReport, finding_note, language_code, person_field, read_xliff, tags_problem, update_notes
from relais.review import service
from relais.review.workflow import DEFAULT_RULES, Action, Rules
from relais.store.actors import Actor
from relais.store.models import JobRow, ReviewEventRow


def import_xliff(session: Session, actor: Actor, data: bytes, rules: Rules = DEFAULT_RULES) -> ImportReport:
    """Bring back a job done in another CAT tool: each changed target is saved as a
    revision by ``actor`` on top of the current version (the CAT tool's text is the
    newer one), units marked final/reviewed/signed-off are confirmed by ``actor`` (how:
    "xliff"), and notes added there are recorded.  Only the job's claimant or an editor
    may import (an editor takes the job over).  Every unit is checked before anything is
    written; any error raises, and the caller's session is rolled back, so nothing
    changes."""
    version, job_id, trg, units = read_xliff(data)
    job = session.get(JobRow, job_id)
    if job is None:
        raise InputError(f"the XLIFF file is for job {job_id}, which is not in this store")
    if trg != language_code(job.target_language):
        raise InputError(f"the XLIFF file's target language is {trg}, but job {job_id} is into {job.target_language}")
    view = service.job_view(session, job_id)
    state = service.may(session, actor, job, Action.IMPORT, rules, view=view)
    segments = {str(s.id): s for s in view.segments}
    ours = update_notes(session, view)  # the export's own notes come back: not the CAT tool's
    plan = []
    for u in units:
        where = f"XLIFF unit {u.id}"
        seg = segments.get(u.id)
        if seg is None:
            raise InputError(f"{where} does not belong to job {job_id} (no such segment in its article)")
        if " ".join(u.source.split()) != " ".join(seg.source.split()):
            raise InputError(f"{where}: its source is not the text of segment {u.id} of job {job_id}")
        if u.target is not None:
            u.target = person_field(u.target, where, "the target").strip()
            problem = tags_problem(seg.source, u.target)
            if problem:
                raise InputError(f"{where}: {problem}")
        if u.approve and not (u.target or seg.text).strip():
            raise InputError(f"{where}: marked final but has no translation")
        u.notes = [person_field(note, where, "a note") for note in u.notes]
        plan.append((u, seg))
    report = ImportReport(f"xliff {version}", units=len(units), job_id=job_id)
    # Write before the first savepoint: pysqlite opens no transaction for a SAVEPOINT, so
    # the review's savepoint would be the outermost one and its RELEASE would commit the
    # first edit on its own.  A no-op UPDATE of the job makes the driver BEGIN first (and
    # on PostgreSQL locks the job against a concurrent import).
    session.execute(update(JobRow).where(JobRow.id == job_id).values(review_status=JobRow.review_status))
    if state.claim is None or state.claim.user_id != actor.user_id:
        service.claim(session, actor, job_id, rules)  # an editor takes the job over: the journal says so
    for u, seg in plan:
        current_version, current_text, confirmed = seg.version, seg.text, seg.confirmed
        changed = u.target is not None and u.target != current_text.strip()
        if changed:
            saved = service.save_segment(session, actor, job_id, seg.id, u.target, current_version, rules=rules)
            current_version, confirmed = saved.version, saved.confirmed
            report.edited += 1
        if u.approve and not confirmed:
            service.confirm_segment(session, actor, job_id, seg.id, current_version, how="xliff", rules=rules)
            report.confirmed += 1
        if not changed and not (u.approve and not confirmed):
            report.unchanged += 1
        exported = {finding_note(f) for f in seg.findings} | ({ours[seg.id]} if seg.id in ours else set())
        for note in u.notes:
            if note in exported:
                continue
            report.notes.append((u.id, note))
            session.add(ReviewEventRow(job_id=job_id, segment_id=seg.id, user_id=actor.user_id, actor=actor.name,
                                       action="note", version=current_version, after=note[:2000]))  # fmt: skip
    session.flush()
    return report

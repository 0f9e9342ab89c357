"""Who sent an e-mail and which job it is about: the client by a contact's address, the job by
the code its subject names ("Re: Fwd: JB-2025-10-CL0001-001 brackets")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from clients.models import Client
from projects.models import Project

JOB_CODE_RE = re.compile(r"\bJB-\d{4}-\d{2}-CL\d{4,}-\d{3,}\b", re.IGNORECASE)
_PREFIX_RE = re.compile(
    r"^\s*((re|fw|fwd|aw|wg|sv|vs|antw|tr|rv)(\[\d+\])?\s*:\s*)+", re.IGNORECASE
)
JOB_NAME_MAX = 200


@dataclass(frozen=True)
class SenderMatch:
    """The client an address belongs to, or why there is none (unknown, or more than one)."""

    client: Client | None
    reason: str = ""


def client_for_address(address: str) -> SenderMatch:
    """The client whose contact (or whose own e-mail) is `address`, compared without case.

    No client, or more than one, is not a match: a manager chooses (nothing is guessed)."""
    address = (address or "").strip()
    if not address:
        return SenderMatch(None, "the message has no sender address")
    by_contact = Client.objects.filter(contacts__email__iexact=address)
    by_client = Client.objects.filter(email__iexact=address)
    clients = list((by_contact | by_client).distinct().order_by("code")[:5])
    if not clients:
        return SenderMatch(None, f"no client has a contact with the address {address}")
    if len(clients) > 1:
        codes = ", ".join(c.code for c in clients)
        return SenderMatch(
            None, f"{address} is a contact of more than one client ({codes}): choose one"
        )
    return SenderMatch(clients[0])


def job_code_in_subject(subject: str) -> str:
    """The first job code the subject names, upper case; '' when none."""
    found = JOB_CODE_RE.search(subject or "")
    return found.group(0).upper() if found else ""


@dataclass(frozen=True)
class JobMatch:
    """The job a reply joins, or a note on why the code it names was not used."""

    project: Project | None
    note: str = ""


def job_for_subject(subject: str, client: Client) -> JobMatch:
    """The client's job whose code the subject names; a code of another client's job, or of no
    job, is not joined (the note says so and a new request is made)."""
    code = job_code_in_subject(subject)
    if not code:
        return JobMatch(None)
    project = Project.objects.filter(code__iexact=code).select_related("client").first()
    if project is None:
        return JobMatch(None, f"the subject names {code}, which is not a job")
    if project.client_id != client.pk:
        return JobMatch(None, f"the subject names {code}, which is not one of {client.code}'s jobs")
    return JobMatch(project)


def job_name(subject: str, from_address: str) -> str:
    """A new job's name: the subject without its Re:/Fwd: prefixes, else who sent it."""
    name = _PREFIX_RE.sub("", subject or "").strip()
    return (name or f"E-mail from {from_address}")[:JOB_NAME_MAX]

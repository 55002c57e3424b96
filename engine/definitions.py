"""Deploying process definitions: one numbered version per changed upload of a process key."""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.bpmn_xml.collaboration import Partners, partners_of
from engine.bpmn_xml.secure import parse_xml, source_text
from engine.errors import DiagramError, InvalidDataError, NotFoundError
from engine.forms import forms_in, is_form_file
from engine.model import ProcessVersion, ValidationIssue
from engine.persistence.ports import NewVersion, VersionRepository, VersionSpec
from engine.process_card import card_file, card_in_source, check_elements, load_card
from engine.runtime.case_state import SpecBundle, spec_from_json, spec_to_json
from engine.runtime.messages import Catcher, catchers
from engine.runtime.parser import LoadedProcess, serializer_for
from engine.runtime.scopes import element_of, enclosing, spec_element_name

_MAX_NESTING = 100  # call activities within called processes: far more than any diagram draws


SCOPE_SEP = ":"
SCOPE_TYPES = frozenset({"subProcess", "transaction", "adHocSubProcess"})  # their spec is named by their id


@dataclass(frozen=True)
class ElementInfo:
    """What the engine needs of one BPMN element at run time."""

    name: str | None
    type: str | None
    actor: str | None
    form: str | None


@dataclass
class DeployedVersion:
    """A version as the engine runs it: its record's facts plus the restored spec."""

    id: int
    key: str
    version: int
    name: str
    actors: tuple[str, ...]
    elements: dict[str, ElementInfo]
    spec_bundle: SpecBundle | None  # None for a documentation-only version
    forms: dict[str, dict[str, Any]] = field(default_factory=dict)  # form file name -> JSON Schema
    issues: tuple[ValidationIssue, ...] = ()
    # the pools it passes messages to (engine.bpmn_xml.collaboration); empty when it is in no collaboration
    partners: Partners = field(default_factory=Partners)
    # the processes its call activities run: process id -> element id -> info (actor None without own lanes)
    called: dict[str, dict[str, ElementInfo]] = field(default_factory=dict)

    @functools.cached_property
    def _owners(self) -> dict[str, str]:
        """Subprocess spec name -> the process that holds it: SpiffWorkflow names an embedded
        subprocess's spec by the subprocess's id, a called process's by the process id."""
        owners = {k: k for k in self.called}
        for scope, elements in [(self.key, self.elements), *self.called.items()]:
            for element_id, info in elements.items():
                if info.type in SCOPE_TYPES:
                    owners.setdefault(element_id, scope)
        owners[self.key] = self.key
        return owners

    @functools.cached_property
    def has_calls(self) -> bool:
        """Whether the process has a call activity (else every subworkflow is an embedded subprocess)."""
        return bool(self.called) or any(info.type == "callActivity" for info in self.elements.values())

    def scope_of(self, spec_name: str | None) -> str:
        """The process (this version's key or a called process's id) whose drawing holds the
        elements of a (sub)workflow named `spec_name` (None: the case's own process)."""
        if spec_name is None:
            return self.key
        return self._owners.get(spec_name, spec_name)

    def element(self, element_id: str | None, scope: str | None = None) -> ElementInfo | None:
        """The info of `element_id` in process `scope` (default: this version's own process)."""
        if scope is None or scope == self.key:
            return self.elements.get(element_id or "")
        if scope in self.called:
            return self.called[scope].get(element_id or "")
        # a version stored before called processes were recorded: the name from the spec, no lane
        name = spec_element_name(self.spec_bundle, scope, element_id or "") if self.spec_bundle is not None else None
        return ElementInfo(name, None, None, None) if name else None

    def element_key(self, element_id: str, scope: str | None = None) -> str:
        """How the event log, the task views and the metrics name an element: by its id in the
        version's own process, as 'process:element' in a called process (ids repeat across files:
        bpmn.io starts every diagram at StartEvent_1 and Task_1 is common)."""
        if scope is None or scope == self.key or not element_id:
            return element_id
        return f"{scope}{SCOPE_SEP}{element_id}"

    def has_own_lanes(self, scope: str) -> bool:
        """Whether the elements of process `scope` have lanes of their own (else they take the lane of
        the call activity that runs them; a version stored before called processes were recorded
        knows no lanes of theirs)."""
        if scope == self.key:
            return True
        return any(info.actor for info in self.called.get(scope, {}).values())

    @property
    def runnable(self) -> bool:
        return self.spec_bundle is not None and not self.issues

    @functools.cached_property
    def catchers(self) -> dict[str, list[Catcher]]:
        """The message names the version receives, with the elements that receive each (none when
        it is documentation only)."""
        return catchers(self.spec_bundle) if self.runnable and self.spec_bundle is not None else {}

    @property
    def bundle(self) -> SpecBundle:
        """The spec cases run on. Raises DiagramError listing what to fix when the version is
        documentation only, so nothing can start or step a case on it."""
        self.check_runnable()
        assert self.spec_bundle is not None  # check_runnable raised otherwise
        return self.spec_bundle

    def check_runnable(self) -> None:
        """Raises DiagramError ("documentation only — N things to fix …") unless cases can start."""
        if self.spec_bundle is None or self.issues:
            where = f"process '{self.key}' version {self.version}"
            raise DiagramError(list(self.issues), filename=None, documentation=where)

    def resolve(self, task: Any) -> tuple[ElementInfo | None, str | None, str]:
        """(element info, lane, scope) of a live task. A task of a called process without lanes of its
        own takes the lane of the call activity that runs it (and so on up a nested call); the
        tasks of the case's own process and of embedded subprocesses keep the lanes drawn."""
        spec_name, parent = enclosing(task)
        own = scope = self.scope_of(spec_name)
        info = self.element(element_of(task), scope)
        lane = info.actor if info is not None else None
        for _ in range(_MAX_NESTING):
            if parent is None or self.has_own_lanes(scope):
                break
            spec_name, next_parent = enclosing(parent)
            scope = self.scope_of(spec_name)
            parent_info = self.element(element_of(parent), scope)
            lane, parent = (parent_info.actor if parent_info is not None else None), next_parent
        return info, lane, own

    def form_schema(self, element_id: str, scope: str | None = None) -> dict[str, Any] | None:
        """The JSON Schema of the element's form, when the form was uploaded with the version."""
        info = self.element(element_id, scope)
        return self.forms.get(info.form) if info is not None and info.form else None

    def start_form_schema(self) -> dict[str, Any] | None:
        return next((self.forms[e.form] for e in self.elements.values() if e.type == "startEvent" and e.form in self.forms), None)


def content_hash(files: list[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    for filename, content in sorted(files):
        digest.update(filename.encode() + b"\0" + hashlib.sha256(content).digest())
    return digest.hexdigest()


def store_version(
    versions: VersionRepository, loaded: LoadedProcess, *, digest: str, now: datetime, filename: str | None
) -> tuple[ProcessVersion, bool]:
    """Store `loaded` as the key's next version, unless the latest version has the same content
    (`digest`, content_hash): (the version, whether it is new). Raises ConflictError when another
    upload stored that version number at the same moment."""
    latest = versions.find(loaded.key)
    if latest is not None and latest.process.content_hash == digest:
        return latest.process, False
    source = {name: source_text(content, filename=name) for name, content in loaded.source.items()}

    def earlier() -> dict[str, str]:
        return (versions.source(loaded.key, latest.process.version) or {}) if latest is not None else {}

    issues = [*loaded.issues, *_missing_forms(loaded, source, earlier)]
    _carry_card(loaded, source, earlier)
    elements = {
        element_id: {
            "name": getattr(info, "name", None),
            "type": getattr(info, "type", None),
            "actor": loaded.element_actor.get(element_id),
            "form": getattr(info, "form", None),
        }
        for element_id, info in loaded.elements.items()
    }
    # the elements of called processes, keyed 'process:element' (':' is in no XML id, so never a clash)
    for called in loaded.called:
        for element_id, info in called.elements.items():
            elements[f"{called.key}{SCOPE_SEP}{element_id}"] = {
                "name": info.name,
                "type": info.type,
                "actor": called.element_actor.get(element_id),
                "form": info.form,
            }
    actors = list(loaded.actors)
    for called in loaded.called:  # a called process's own lanes do its work in this process too
        used = set(called.element_actor.values())
        actors += [a for a in called.actors if a in used and a not in actors]
    stored = versions.add(
        NewVersion(
            key=loaded.key,
            version=(latest.process.version + 1) if latest is not None else 1,
            name=loaded.name or loaded.key,
            content_hash=digest,
            dialect=loaded.dialect,
            spec_json=_spec_json(loaded) if not issues else "",
            created_at=now,
            filename=filename,
            actors=tuple(actors),
            elements=elements,
            source=source,
            issues=tuple(issues),
            customer_can_start=_offered_to_customers(source, loaded.key),
        )
    )
    return stored, True


def _spec_json(loaded: LoadedProcess) -> str:
    if loaded.spec_json is not None:
        return loaded.spec_json
    return spec_to_json(serializer_for(loaded.dialect), loaded.spec, loaded.subprocess_specs)


def _missing_forms(
    loaded: LoadedProcess, source: dict[str, str], latest_source: Callable[[], dict[str, str]]
) -> list[ValidationIssue]:
    """Form files the diagram names that are neither in the upload nor in the key's latest version
    (its files read by `latest_source`, only when a form is not in the upload). Forms found in the
    latest version are copied into `source`, so the new version carries them."""
    found: list[dict[str, str]] = []

    def earlier() -> dict[str, str]:
        if not found:
            found.append(latest_source())
        return found[0]

    issues = []
    for element_id, info in loaded.elements.items():
        form = getattr(info, "form", None)
        if not form or not is_form_file(form) or form in source or "/" in form or "\\" in form:
            continue  # a path is reported by validation (engine/bpmn_xml/validate.py: _form_problems)
        if form in earlier():
            source[form] = earlier()[form]
            continue
        issues.append(
            ValidationIssue(
                f"the form '{form}' of {info.type} '{info.name or element_id}' is neither in this upload nor in an "
                "earlier version; upload it with the diagram",
                element_id,
                info.line,
                loaded.file,
                info.name,
            )
        )
    return issues


def _carry_card(loaded: LoadedProcess, source: dict[str, str], latest_source: Callable[[], dict[str, str]]) -> None:
    """Copy the key's process card from its latest version (read by `latest_source`) into `source`
    when the upload holds none for the key, as forms are carried (`_missing_forms`): a new diagram
    uploaded alone kept neither its targets nor its offer to customers. A card naming an element
    the new diagram lacks is left behind: upload a corrected card with the diagram."""
    if card_file(source, loaded.key) is not None:
        return
    earlier = latest_source()
    name = card_file(earlier, loaded.key)
    if name is None or name in source:
        return
    if not check_elements(load_card(earlier[name], filename=name), set(loaded.elements), filename=name):
        source[name] = earlier[name]


class VersionCache:
    """Deployed versions never change, so each is restored from the database once per process."""

    def __init__(self, capacity: int = 128) -> None:
        self._capacity = capacity
        self._versions: OrderedDict[int, DeployedVersion] = OrderedDict()
        self._lock = threading.Lock()

    def kept(self, version_id: int) -> DeployedVersion | None:
        """The version with that row id when it is kept here, else None (reads nothing)."""
        with self._lock:
            found = self._versions.get(version_id)
            if found is not None:
                self._versions.move_to_end(version_id)
            return found

    def get(self, versions: VersionRepository, version_id: int) -> DeployedVersion:
        """The version with that row id, restored once and kept; read from `versions` (the use
        case's unit of work) on a miss. Raises NotFoundError."""
        found = self.kept(version_id)
        if found is not None:
            return found
        spec = versions.spec(version_id)
        if spec is None:
            raise NotFoundError("process version", version_id)
        deployed = _restore(spec)
        with self._lock:
            self._versions[version_id] = deployed
            while len(self._versions) > self._capacity:
                self._versions.popitem(last=False)
        return deployed


def _partners(key: str, source: dict[str, str]) -> Partners:
    """The collaboration partners of process `key`, read from the file of the upload that holds it."""
    for name, text in source.items():
        if not name.lower().endswith(".bpmn") or "participant" not in text:
            continue
        try:
            found = partners_of(parse_xml(text.encode(), filename=name), key)
        except DiagramError:  # it was parsed when it was uploaded; a file that no longer parses has no partners
            continue
        if found is not None:
            return found
    return Partners()


def _restore(record: VersionSpec) -> DeployedVersion:
    elements_raw = record.elements
    referenced = {v["form"] for v in elements_raw.values() if v.get("form")}
    source = record.source
    elements: dict[str, ElementInfo] = {}
    called: dict[str, dict[str, ElementInfo]] = {}
    for k, v in elements_raw.items():
        info = ElementInfo(v.get("name"), v.get("type"), v.get("actor"), v.get("form"))
        scope, sep, element_id = k.partition(SCOPE_SEP)
        if sep:
            called.setdefault(scope, {})[element_id] = info
        else:
            elements[k] = info
    return DeployedVersion(
        id=record.id,
        key=record.key,
        version=record.version,
        name=record.name,
        actors=record.actors,
        elements=elements,
        called=called,
        spec_bundle=spec_from_json(record.dialect, serializer_for(record.dialect), record.spec_json)
        if record.spec_json
        else None,
        forms=forms_in(source, referenced) if referenced else {},
        issues=record.issues,
        partners=_partners(record.key, source),
    )


def _offered_to_customers(source: dict[str, str], key: str) -> bool:
    """Whether the version's own process card offers it to customers (`customer_can_start: true`,
    docs/process-card-format.md). The upload has checked the card; one it cannot read offers nothing."""
    try:
        card = card_in_source(source, key)
    except InvalidDataError:
        return False
    return card is not None and card.customer_can_start

"""After a load run: is every write the server acknowledged in the database,
once, on the household it was made for, and in the audit log as created by
the account that made it?

The Locust side appends each acknowledged write (a redirect back to the
household) to ``writes.jsonl``: kind, household, the unique text carrying
the run's marker, and the account. Rows carrying the marker that no
acknowledgement names (a write whose answer timed out) are counted apart:
present, but not promised to anyone.

``python -m bench.load.verify RUN_DIR`` checks a run on its own.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import LoadError, django_setup


@dataclass
class Verdict:
    acknowledged: dict[str, int] = field(default_factory=dict)
    found: int = 0
    audited: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    misplaced: list[str] = field(default_factory=list)
    unaudited: list[str] = field(default_factory=list)
    unacknowledged: int = 0

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.misplaced or self.unaudited)

    def lines(self) -> list[str]:
        total = sum(self.acknowledged.values())
        kinds = "、".join(f"{KIND_LABELS[k]} {n}" for k, n in sorted(self.acknowledged.items()))
        lines = [
            f"已确认的写入 {total} 条（{kinds or '无'}）：数据库中找到 {self.found} 条，审计日志 {self.audited} 条；"
            f"丢失 {len(self.lost)}，重复 {len(self.duplicated)}，户不符 {len(self.misplaced)}，无审计 {len(self.unaudited)}",
        ]
        if self.unacknowledged:
            lines.append(f"另有 {self.unacknowledged} 条带本次标记的记录未得到服务器确认（如请求超时），已写入数据库")
        for label, texts in (("丢失", self.lost), ("重复", self.duplicated), ("户不符", self.misplaced), ("无审计", self.unaudited)):
            if texts:
                lines.append(f"{label}：{'、'.join(texts[:10])}{' …' if len(texts) > 10 else ''}")
        lines.append("结论：" + ("全部写入都在数据库和审计日志中" if self.ok else "有写入丢失或未留痕"))
        return lines


KIND_LABELS = {"visit": "走访", "measure": "帮扶措施"}


def read_writes(run_dir: Path) -> list[dict]:
    path = run_dir / "writes.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _models() -> dict:
    from households.models import Measure, Visit

    return {"visit": Visit, "measure": Measure}


def verify_kind(model, writes: list[dict], marker: str, verdict: Verdict) -> None:
    """One kind of write: rows by their unique text, then their create entries."""
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    rows: dict[str, list] = {}
    for pk, household_id, text in model.objects.filter(content__contains=marker).values_list("pk", "household_id", "content"):
        rows.setdefault(text, []).append((pk, household_id))
    promised = {write["text"] for write in writes}
    verdict.unacknowledged += sum(1 for text in rows if text not in promised)
    content_type = ContentType.objects.get_for_model(model)
    created = set(
        LogEntry.objects.filter(content_type=content_type, action=LogEntry.Action.CREATE, object_id__in=[
            pk for matches in rows.values() for pk, _ in matches
        ]).values_list("object_id", "actor__username")
    )
    for write in writes:
        matches = rows.get(write["text"], [])
        if not matches:
            verdict.lost.append(write["text"])
            continue
        if len(matches) > 1:
            verdict.duplicated.append(write["text"])
        pk, household_id = matches[0]
        verdict.found += 1
        if household_id != write["household"]:
            verdict.misplaced.append(write["text"])
        if (pk, write["username"]) in created:
            verdict.audited += 1
        else:
            verdict.unaudited.append(write["text"])


def verify(run_dir: Path, marker: str) -> Verdict:
    """Check every acknowledged write of the run kept in run_dir."""
    writes = read_writes(run_dir)
    verdict = Verdict()
    for kind, model in _models().items():
        of_kind = [w for w in writes if w["kind"] == kind]
        verdict.acknowledged[kind] = len(of_kind)
        verify_kind(model, of_kind, marker, verdict)
    return verdict


def access_log_counts(*, since, usernames: list[str]) -> dict[str, int]:
    """Personal-data access entries the run's accounts left (card prints, exports)."""
    from django.db.models import Count

    from povertyrelief.models import PersonalDataAccess

    rows = (
        PersonalDataAccess.objects.filter(at__gte=since, user__username__in=usernames)
        .values("kind").annotate(n=Count("pk"))
    )
    return {row["kind"]: row["n"] for row in rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load.verify", description="核对一次压测的写入。")
    parser.add_argument("run_dir", type=Path)
    options = parser.parse_args(argv)
    try:
        django_setup()
        results = json.loads((options.run_dir / "results.json").read_text(encoding="utf-8"))
        verdict = verify(options.run_dir, results["run"])
    except (LoadError, OSError) as exc:
        print(exc, file=sys.stderr)
        return 2
    print("\n".join(verdict.lines()))
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Load test of the cluster: many conversations at once, over REST and Socket.IO, then a check
in PostgreSQL that every conversation holds exactly the turns sent, in order, with the right
answers. Optionally with a fault in the middle. `make loadtest` runs the full size:

    python -m scripts.loadtest                         # 200 conversations x 10 turns, no fault
    python -m scripts.loadtest --fault kill-rasa       # kill a Rasa replica mid-way
    LOAD_CONVERSATIONS=20 python -m scripts.loadtest --all-faults

Each virtual visitor talks from its own loopback address (127.0.x.y), as visitors do from their
own, so nginx's per-client rate limit and routing apply to each separately. Visitors pause
between turns (LOAD_THINK_SECONDS on average) like people reading an answer; the offered load
is about conversations / (think time + latency) messages per second.

By default the cluster uses a private PostgreSQL and Redis (scripts/cluster_services.py) that
the faults may restart without disturbing anyone; --shared uses the machine's (no PostgreSQL or
Redis fault then).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import aiohttp
import socketio

from actions.knowledge import load_store
from scripts.cluster import Cluster, ClusterSettings, running_cluster
from scripts.cluster_services import private_postgres, private_redis, shared_postgres_database
from scripts.servers import ROOT, free_port

FAULTS = ("kill-rasa", "kill-actions", "restart-postgres", "stop-redis")
TELL_MORE = {"fr": "dis m'en plus", "en": "tell me more"}
GREETING = {"fr": "Bonjour !", "en": "Hello!"}
RETRYABLE_STATUS = {502, 503, 504}
MAX_ATTEMPTS = 6
REQUEST_TIMEOUT = 45


# --------------------------------------------------------------------------- plans


@dataclass
class Turn:
    id: str
    text: str
    expected: str


@dataclass
class Plan:
    sender: str
    channel: str  # "rest" or "socketio"
    language: str
    source_ip: str
    turns: list[Turn]


@dataclass
class Bank:
    """Questions whose answers were checked through the cluster before the load."""

    answers: dict[tuple[str, str], str]  # (topic, lang) -> answer to the question
    more: dict[tuple[str, str], str]  # (topic, lang) -> answer to "tell me more" after it
    greeting: dict[str, str]
    unavailable: dict[str, str]
    dropped: list[str] = field(default_factory=list)


def source_ip(index: int) -> str:
    return f"127.0.{1 + index // 250}.{2 + index % 250}"


def make_plans(bank: Bank, conversations: int, turns: int, seed: int, run_id: str) -> list[Plan]:
    """Half French, half English; half REST, half Socket.IO; topics at random."""
    rng = random.Random(seed)
    store = load_store()  # once: reading the knowledge files takes about 0.1 s
    plans = []
    for index in range(conversations):
        lang = ("fr", "en")[index % 2]
        channel = ("rest", "rest", "socketio", "socketio")[index % 4]
        sender = f"load-{run_id}-{index:04d}"
        topics = sorted({topic for topic, tl in bank.answers if tl == lang})
        plan_turns = [Turn(f"{sender}:0", GREETING[lang], bank.greeting[lang])]
        last = None
        while len(plan_turns) < turns:
            number = len(plan_turns)
            if last is not None and (last, lang) in bank.more and rng.random() < 0.3:
                text, expected = TELL_MORE[lang], bank.more[(last, lang)]
                last = None
            else:
                last = rng.choice(topics)
                text = store.topic(last).question[lang]
                expected = bank.answers[(last, lang)]
            plan_turns.append(Turn(f"{sender}:{number}", text, expected))
        plans.append(Plan(sender, channel, lang, source_ip(index), plan_turns))
    return plans


# --------------------------------------------------------------------------- clients


@dataclass
class Result:
    plan: Plan
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (sent at, seconds)
    replies: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    retries: int = 0


def unescape_markdown(text: str) -> str:
    """The widget channel escapes bot text for its Markdown renderer (channels/socketio.py)."""
    text = re.sub(r"\\(.)", r"\1", text)
    return text.replace("&lt;", "<").replace("&amp;", "&")


def _session(plan: Plan) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(local_addr=(plan.source_ip, 0), limit=2)
    return aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.CookieJar(unsafe=True),  # keep nginx's cookie for 127.0.0.1
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
    )


async def run_rest(url: str, plan: Plan, think: float, rng: random.Random) -> Result:
    result = Result(plan)
    async with _session(plan) as session:
        for turn in plan.turns:
            await asyncio.sleep(rng.uniform(0, 2 * think))
            body = {"sender": plan.sender, "message": turn.text, "metadata": {"turn": turn.id}}
            started = time.monotonic()
            reply = None
            for attempt in range(MAX_ATTEMPTS):
                try:
                    async with session.post(
                        f"{url}/webhooks/rest/webhook", params={"sender": plan.sender}, json=body
                    ) as response:
                        if response.status in RETRYABLE_STATUS:
                            raise ConnectionError(f"HTTP {response.status}")
                        if response.status != 200:
                            result.errors.append(f"{turn.id}: HTTP {response.status}")
                            break
                        messages = await response.json()
                        reply = " ".join(m.get("text", "") for m in messages)
                        break
                except (aiohttp.ClientError, ConnectionError, asyncio.TimeoutError) as error:
                    if attempt + 1 == MAX_ATTEMPTS:
                        result.errors.append(f"{turn.id}: {type(error).__name__} {error}")
                        break
                    result.retries += 1
                    await asyncio.sleep(0.5 * 2**attempt)
            if reply is None:
                result.replies.append("")
                continue
            result.latencies.append((started, time.monotonic() - started))
            result.replies.append(reply)
    return result


async def run_socketio(url: str, plan: Plan, think: float, rng: random.Random) -> Result:
    result = Result(plan)
    inbox: asyncio.Queue = asyncio.Queue()
    confirmed = asyncio.Event()
    async with _session(plan) as session:
        sio = socketio.AsyncClient(
            reconnection=True, reconnection_delay=0.5, reconnection_delay_max=2,
            http_session=session, handle_sigint=False,
        )  # fmt: skip

        @sio.event
        async def connect() -> None:
            await sio.emit("session_request", {"session_id": plan.sender})

        @sio.event
        async def disconnect() -> None:
            confirmed.clear()

        @sio.on("session_confirm")
        async def session_confirm(_: Any) -> None:
            confirmed.set()

        @sio.on("bot_uttered")
        async def bot_uttered(data: dict) -> None:
            inbox.put_nowait(unescape_markdown(data.get("text", "")))

        # Like the widget's socket.io client, try again when the handshake fails: while a
        # replica comes back, nginx may send a handshake and its next poll to different ones.
        for attempt in range(MAX_ATTEMPTS):
            try:
                await sio.connect(url, transports=["polling", "websocket"], wait_timeout=10)
                break
            except (socketio.exceptions.ConnectionError, aiohttp.ClientError) as error:
                if attempt + 1 == MAX_ATTEMPTS:
                    result.errors.append(f"{plan.sender}: could not connect ({error})")
                    return result
                result.retries += 1
                await asyncio.sleep(0.5 * 2**attempt)
        try:
            for turn in plan.turns:
                await asyncio.sleep(rng.uniform(0, 2 * think))
                started = time.monotonic()
                reply = None
                for attempt in range(MAX_ATTEMPTS):
                    try:
                        await asyncio.wait_for(confirmed.wait(), 20)
                        while not inbox.empty():
                            inbox.get_nowait()  # a late reply to an earlier attempt
                        await sio.emit("user_uttered", {
                            "message": turn.text, "session_id": plan.sender,
                            "customData": {"language": plan.language, "turn": turn.id},
                        })  # fmt: skip
                        reply = await asyncio.wait_for(inbox.get(), 15 if attempt else 30)
                        break
                    except (asyncio.TimeoutError, socketio.exceptions.SocketIOError) as error:
                        if attempt + 1 == MAX_ATTEMPTS:
                            result.errors.append(f"{turn.id}: no reply ({type(error).__name__})")
                            break
                        result.retries += 1
                if reply is None:
                    result.replies.append("")
                    continue
                result.latencies.append((started, time.monotonic() - started))
                result.replies.append(reply)
        finally:
            await sio.disconnect()
    return result


# --------------------------------------------------------------------------- checks


@dataclass
class Check:
    conversations: int = 0
    turns_sent: int = 0
    turns_stored: int = 0
    lost: int = 0
    duplicated: int = 0
    out_of_order: int = 0
    wrong_answers: int = 0
    unavailable: int = 0
    after_outage: int = 0
    client_wrong: int = 0
    problems: list[str] = field(default_factory=list)
    wrong_senders: list[str] = field(default_factory=list)  # conversations to trace

    @property
    def ok(self) -> bool:
        return not (self.lost or self.out_of_order or self.wrong_answers or self.client_wrong)


def stored_events(database_url: str, senders: list[str], types: tuple[str, ...] = ()) -> list:
    """The `events` rows of these conversations in the order stored: every type, or `types`."""
    import sqlalchemy as sa

    only = " AND type_name IN :types" if types else ""
    query = sa.text(
        "SELECT id, sender_id, type_name, timestamp, intent_name, action_name, data FROM events "
        f"WHERE sender_id IN :senders{only} ORDER BY id"
    ).bindparams(
        sa.bindparam("senders", expanding=True),
        *([sa.bindparam("types", expanding=True)] if types else []),
    )
    values = {"senders": senders, **({"types": list(types)} if types else {})}
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(query, values))
    finally:
        engine.dispose()


def stored_turns(database_url: str, senders: list[str]) -> dict[str, list[tuple[str, str, str]]]:
    """Per sender, the user and bot events in the order stored: (kind, text, turn id)."""
    found: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for row in stored_events(database_url, senders, ("user", "bot")):
        event = json.loads(row.data)
        turn = (event.get("metadata") or {}).get("turn", "") if row.type_name == "user" else ""
        found[row.sender_id].append((row.type_name, event.get("text") or "", turn))
    return found


def traces(database_url: str, senders: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every stored event of these conversations, in order: what a wrong answer followed."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in stored_events(database_url, senders):
        data = json.loads(row.data)
        found[row.sender_id].append({
            "id": row.id, "type": row.type_name, "timestamp": row.timestamp,
            "intent": row.intent_name, "action": row.action_name,
            "text": data.get("text"), "name": data.get("name"), "value": data.get("value"),
            "turn": (data.get("metadata") or {}).get("turn"),
        })  # fmt: skip
    return dict(found)


def check(results: list[Result], database_url: str, bank: Bank, allow_unavailable: bool) -> Check:
    """Every conversation: the turns sent, once each, in order, each followed by its answer."""
    outcome = Check(conversations=len(results))
    stored = stored_turns(database_url, [r.plan.sender for r in results])
    # With no conversation language yet it is said in both (two messages, joined by REST clients).
    both = [bank.unavailable[lang] for lang in ("fr", "en")]
    unavailable = {*both, " ".join(both), "\n\n".join(both)}
    for result in results:
        plan = result.plan
        outcome.turns_sent += len(plan.turns)
        events = stored.get(plan.sender, [])
        # Pair each stored user turn with the bot replies that follow it.
        pairs: list[tuple[str, list[str]]] = []
        for kind, text, turn in events:
            if kind == "user":
                pairs.append((turn, []))
            elif pairs:
                pairs[-1][1].append(text)
        outcome.turns_stored += len(pairs)
        ids = [turn for turn, _ in pairs]
        collapsed = [t for i, t in enumerate(ids) if i == 0 or t != ids[i - 1]]
        outcome.duplicated += len(ids) - len(collapsed)
        expected_ids = [t.id for t in plan.turns]
        missing = [t for t in expected_ids if t not in set(collapsed)]
        outcome.lost += len(missing)
        if not missing and collapsed != expected_ids:
            outcome.out_of_order += 1
            outcome.problems.append(f"{plan.sender}: turns stored as {collapsed}")
        if missing:
            outcome.problems.append(f"{plan.sender}: turns not stored: {missing}")
        by_id = {}
        for turn, replies in pairs:
            by_id.setdefault(turn, " ".join(replies))
        previous_unavailable = False
        for turn, client_reply in zip(plan.turns, result.replies, strict=False):
            stored_reply = by_id.get(turn.id)
            if stored_reply is None:
                continue
            follows_outage = previous_unavailable and turn.text in TELL_MORE.values()
            previous_unavailable = stored_reply in unavailable
            if stored_reply in unavailable and allow_unavailable:
                outcome.unavailable += 1
            elif follows_outage and allow_unavailable:
                # "Tell me more" after a question that went unanswered: it deepens the topic
                # before it, as it should; there is no single expected answer.
                outcome.after_outage += 1
            elif stored_reply != turn.expected:
                outcome.wrong_answers += 1
                outcome.wrong_senders.append(plan.sender)
                outcome.problems.append(
                    f"{turn.id}: {turn.text!r} stored answer {stored_reply[:70]!r}, "
                    f"expected {turn.expected[:70]!r}"
                )
            if client_reply and client_reply != stored_reply and client_reply not in unavailable:
                outcome.client_wrong += 1
                outcome.problems.append(f"{turn.id}: client got {client_reply[:70]!r}")
    return outcome


# --------------------------------------------------------------------------- running


@dataclass
class PhaseReport:
    name: str
    conversations: int
    turns: int
    seconds: float
    answered: int
    errors: int
    retries: int
    latency: dict[str, dict[str, float]]
    check: Check
    events: list[str]
    client_errors: list[str] = field(default_factory=list)
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    sustained: float = 0.0  # messages/s between the 10th and the 90th percentile answer
    # Latency of the messages sent between the 10th and the 90th percentile answer: at full
    # load, without the ramp-up and the tail.
    sustained_latency: dict[str, float] = field(default_factory=dict)
    windows: list[dict[str, float]] = field(default_factory=list)  # latency over time
    proxy: dict[str, dict[str, float]] = field(default_factory=dict)  # nginx's view of REST

    def cpu_ms_per_message(self) -> dict[str, float]:
        return {k: 1000 * v / (self.answered or 1) for k, v in self.cpu_seconds.items()}

    @property
    def throughput(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}
    ordered = sorted(values)
    if len(ordered) == 1:
        ordered = ordered * 2
    cut = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "n": len(ordered),
        "p50": cut[49] * 1000,
        "p95": cut[94] * 1000,
        "p99": cut[98] * 1000,
        "max": ordered[-1] * 1000,
    }


async def run_load(
    url: str, plans: list[Plan], think: float, seed: int, deadline: float
) -> list[Result]:
    rng = random.Random(seed)
    tasks = []
    for plan in plans:
        client = run_rest if plan.channel == "rest" else run_socketio
        tasks.append(asyncio.create_task(client(url, plan, think, random.Random(rng.random()))))
    done, pending = await asyncio.wait(tasks, timeout=deadline)
    for task in pending:
        task.cancel()
    results = []
    for plan, task in zip(plans, tasks, strict=True):
        if task in done and task.exception() is None:
            results.append(task.result())
        else:
            failed = Result(plan)
            why = task.exception() if task in done else "deadline"
            failed.errors.append(f"{plan.sender}: did not finish ({why})")
            results.append(failed)
    return results


async def _ask(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> str:
    async with session.post(
        f"{url}/webhooks/rest/webhook",
        params={"sender": sender},
        json={"sender": sender, "message": text},
    ) as response:
        response.raise_for_status()
        return " ".join(m.get("text", "") for m in await response.json())


async def calibrate(url: str, run_id: str) -> Bank:
    """Ask each topic's question once per language; keep those answered with their own answer.

    Each question comes from its own loopback address, like the visitors, so that the
    calibration stays within nginx's per-client rate limit.
    """
    store = load_store()
    bank = Bank({}, {}, {}, dict(store.messages["unavailable"]))
    askers = [(lang, topic) for lang in ("fr", "en") for topic in store.topics.values()]

    async def conversation(index: int, lang: str, topic: Any) -> None:
        address = f"127.0.250.{2 + index}"
        connector = aiohttp.TCPConnector(local_addr=(address, 0))
        async with aiohttp.ClientSession(connector=connector) as session:
            sender = f"calibrate-{run_id}-{lang}-{topic.id}"
            if topic.id == store.menu[0]:
                bank.greeting[lang] = await _ask(session, url, sender + "-hi", GREETING[lang])
            answer = await _ask(session, url, sender, topic.question[lang])
            if answer != topic.answer[lang]:
                bank.dropped.append(f"{topic.id}/{lang}")
                return
            bank.answers[(topic.id, lang)] = answer
            bank.more[(topic.id, lang)] = await _ask(session, url, sender, TELL_MORE[lang])

    await asyncio.gather(*(conversation(i, lang, t) for i, (lang, t) in enumerate(askers)))
    if bank.greeting["fr"] != store.message("greet", "fr"):
        raise RuntimeError(f"the French greeting was answered {bank.greeting['fr']!r}")
    return bank


@dataclass
class Environment:
    cluster: Cluster
    database_url: str
    postgres: Any = None
    redis: Any = None


def _inject(env: Environment, fault: str, duration: float, log: list[str]) -> Callable:
    """A coroutine that applies `fault` during the load, and undoes it, logging what it did."""
    cluster = env.cluster

    def note(text: str) -> None:
        log.append(f"{time.strftime('%H:%M:%S')} {text}")

    async def kill_rasa() -> None:
        await asyncio.sleep(duration * 0.35)
        note("SIGKILL Rasa replica rasa-1; rasa-2 serves on alone")
        cluster.kill_rasa(0)

    async def kill_actions() -> None:
        await asyncio.sleep(duration * 0.25)
        note("SIGKILL both action servers")
        cluster.kill_actions()
        await asyncio.sleep(duration * 0.25)
        note("restarting the action servers")
        await asyncio.to_thread(cluster.start_actions)
        note("action servers answer again")

    async def restart_postgres() -> None:
        await asyncio.sleep(duration * 0.35)
        note("restarting PostgreSQL (pg_ctl stop -m fast, 1 s, start)")
        await asyncio.to_thread(env.postgres.restart)
        note("PostgreSQL answers again")

    async def stop_redis() -> None:
        await asyncio.sleep(duration * 0.25)
        note("killing Redis")
        env.redis.stop()
        await asyncio.sleep(duration * 0.3)
        note("starting Redis again")
        await asyncio.to_thread(env.redis.start)

    return {"kill-rasa": kill_rasa, "kill-actions": kill_actions,
            "restart-postgres": restart_postgres, "stop-redis": stop_redis}[fault]  # fmt: skip


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            tree[int(fields[1])].append(int(stat.parent.name))
    return tree


def _cpu_seconds(root: int, tree: dict[int, list[int]]) -> float:
    """User + system CPU time of `root` and its live descendants, plus that of the children
    they have reaped (PostgreSQL's backends exit when a replica's connections close: without
    their reaped time, its CPU would shrink between two snapshots)."""
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(tree.get(pid, []))
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return total


def cpu_snapshot(env: Environment) -> dict[str, tuple[int, float]]:
    """Per process: (pid, CPU seconds so far, its children included)."""
    tree = _children()
    roots: dict[str, int] = {}
    for service in env.cluster.services():
        if service.running:
            roots[service.name] = service.process.pid
    if env.postgres is not None:
        with contextlib.suppress(OSError, ValueError):
            pid_file = env.postgres.data / "db" / "postmaster.pid"
            roots["postgresql"] = int(pid_file.read_text().split()[0])
    if env.redis is not None and env.redis.process is not None:
        if env.redis.process.poll() is None:
            roots["redis"] = env.redis.process.pid
    snapshot = {name: (pid, _cpu_seconds(pid, tree)) for name, pid in roots.items()}
    own = os.times()
    snapshot["load generator"] = (os.getpid(), own.user + own.system)
    return snapshot


def cpu_used(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds per part (rasa, actions, nginx, ...) between two snapshots. A process that
    was killed in between is left out; one started in between counts from its start."""
    used: dict[str, float] = defaultdict(float)
    for name, (pid, seconds) in after.items():
        start = before.get(name)
        used[name.split("-")[0]] += seconds - start[1] if start and start[0] == pid else seconds
    return dict(used)


async def run_phase(
    env: Environment, bank: Bank, name: str, conversations: int, turns: int, think: float,
    seed: int, fault: str | None = None, deadline: float = 600,
) -> PhaseReport:  # fmt: skip
    run_id = f"{name}-{os.getpid()}-{seed}"
    plans = make_plans(bank, conversations, turns, seed, run_id)
    events: list[str] = []
    expected_duration = turns * think + 2
    injector = (
        asyncio.create_task(_inject(env, fault, expected_duration, events)()) if fault else None
    )
    cpu_before = cpu_snapshot(env)
    access_log = env.cluster.settings.run_dir / "access.log"
    log_offset = access_log.stat().st_size if access_log.exists() else 0
    started = time.monotonic()
    results = await run_load(env.cluster.url, plans, think, seed, deadline)
    seconds = time.monotonic() - started
    cpu_after = cpu_snapshot(env)
    cpu = cpu_used(cpu_before, cpu_after)
    if injector is not None:
        await injector
    answered = answers(results)
    finished = sorted(a.sent + a.latency for a in answered)
    sustained = 0.0
    sustained_latencies: list[float] = []
    if len(finished) >= 10:
        first, last = finished[len(finished) // 10], finished[len(finished) * 9 // 10]
        sustained = (len(finished) * 0.8) / max(last - first, 1e-6)
        sustained_latencies = [a.latency for a in answered if first <= a.sent <= last]
    samples = defaultdict(list)
    for answer in answered:
        samples[answer.channel].append(answer.latency)
        samples["all"].append(answer.latency)
    outcome = check(results, env.database_url, bank, allow_unavailable=fault == "kill-actions")
    write_timeline(ROOT / "results" / f"loadtest-timeline-{name}.csv", answered, started)
    return PhaseReport(
        name=name, conversations=conversations, turns=turns, seconds=seconds,
        answered=len(answered),
        errors=sum(len(r.errors) for r in results), retries=sum(r.retries for r in results),
        latency={k: percentiles(v) for k, v in samples.items()}, check=outcome, events=events,
        client_errors=[e for r in results for e in r.errors], cpu_seconds=cpu,
        sustained=sustained, sustained_latency=percentiles(sustained_latencies),
        windows=windows(answered, started),
        proxy=proxy_times(access_log, log_offset),
    )  # fmt: skip


WINDOW_SECONDS = 5.0


class Answer(NamedTuple):
    sent: float  # time.monotonic() when the message was sent
    latency: float  # seconds until its answer
    channel: str
    sender: str


def answers(results: list[Result]) -> list[Answer]:
    """Every answered message of a phase, in the order they were sent: the one list the
    phase's figures, timeline and windows are made from."""
    return sorted(
        Answer(sent, latency, r.plan.channel, r.plan.sender)
        for r in results for sent, latency in r.latencies
    )  # fmt: skip


def write_timeline(path: Path, answered: list[Answer], started: float) -> None:
    """One line per answered message: when it was sent (seconds into the phase), how long
    the answer took, its channel and conversation; to tell queueing from stalls."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["sent_s,latency_ms,channel,sender"]
    lines += [
        f"{a.sent - started:.3f},{a.latency * 1000:.1f},{a.channel},{a.sender}" for a in answered
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def windows(answered: list[Answer], started: float) -> list[dict[str, float]]:
    """Messages sent in each WINDOW_SECONDS window, and their latency percentiles."""
    by_window: dict[int, list[float]] = defaultdict(list)
    for answer in answered:
        by_window[int((answer.sent - started) // WINDOW_SECONDS)].append(answer.latency)
    return [
        {"start": index * WINDOW_SECONDS, "rate": len(values) / WINDOW_SECONDS,
         **percentiles(values)}
        for index, values in sorted(by_window.items())
    ]  # fmt: skip


# The end of a line of log_format mila: $request_time "$upstream_addr" $upstream_response_time
# (one time per upstream tried, comma-separated).
ACCESS_TIMES = re.compile(r'(\d+\.\d+) "[^"]*" ([-\d., :]+)$')


def proxy_times(access_log: Path, offset: int) -> dict[str, dict[str, float]]:
    """nginx's request and upstream (Rasa) times of the REST messages logged after `offset`
    (log_format mila in deploy/nginx/mila.conf.template): how much of a REST answer's latency
    the replica itself took."""
    if not access_log.exists():
        return {}
    with access_log.open("rb") as handle:
        handle.seek(offset)
        text = handle.read().decode("utf-8", errors="replace")
    request, upstream = [], []
    for line in text.splitlines():
        if '"POST /webhooks/rest/webhook"' not in line:
            continue
        match = ACCESS_TIMES.search(line)
        try:
            upstream_seconds = sum(float(v) for v in match.group(2).replace(",", " ").split())
            request.append(float(match.group(1)))
        except (AttributeError, ValueError):
            continue  # "-": no upstream answered
        upstream.append(upstream_seconds)
    if not request:
        return {}
    return {"nginx": percentiles(request), "rasa": percentiles(upstream)}


def format_report(reports: list[PhaseReport]) -> str:
    lines = [
        "| phase | conversations x turns | answered msg/s (sustained) | p50 ms | p95 ms | p99 ms "
        "| errors | client retries | lost | duplicated | out of order | wrong answers "
        "| unavailable |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in reports:
        lat = r.latency.get("all", percentiles([]))
        c = r.check
        lines.append(
            f"| {r.name} | {r.conversations} x {r.turns} | {r.throughput:.1f} "
            f"({r.sustained:.1f}) | {lat['p50']:.0f} | {lat['p95']:.0f} | {lat['p99']:.0f} | "
            f"{r.errors} | {r.retries} | {c.lost} | "
            f"{c.duplicated} | {c.out_of_order} | {c.wrong_answers + c.client_wrong} | "
            f"{c.unavailable} |"
        )
    lines.append("")
    for r in reports:
        per_channel = ", ".join(
            f"{k} p50 {v['p50']:.0f} / p95 {v['p95']:.0f} ms (n={v['n']})"
            for k, v in sorted(r.latency.items()) if k != "all"
        )  # fmt: skip
        lines.append(f"- {r.name}: {per_channel}; {r.seconds:.0f} s")
        if r.sustained_latency.get("n"):
            lat = r.sustained_latency
            lines.append(
                f"  - at full load (messages sent between the 10th and the 90th percentile "
                f"answer, n={lat['n']}): {r.sustained:.1f} msg/s answered, p50 {lat['p50']:.0f}"
                f" / p95 {lat['p95']:.0f} / p99 {lat['p99']:.0f} ms"
            )
        if r.proxy:
            lines.append(
                "  - REST as nginx saw it: request p50 {:.0f} / p95 {:.0f} ms, of which the "
                "replica (upstream) p50 {:.0f} / p95 {:.0f} ms".format(
                    r.proxy["nginx"]["p50"],
                    r.proxy["nginx"]["p95"],
                    r.proxy["rasa"]["p50"],
                    r.proxy["rasa"]["p95"],
                )
            )
        if r.windows:
            lines.append(
                f"  - latency over time ({WINDOW_SECONDS:.0f} s windows, by time sent: msg/s "
                "sent, p50 / p95 / max ms): "
                + "; ".join(
                    f"{w['start']:.0f} s {w['rate']:.0f}, {w['p50']:.0f} / {w['p95']:.0f} / "
                    f"{w['max']:.0f}"
                    for w in r.windows
                )
            )
        per_message = r.cpu_ms_per_message()
        server = sum(v for k, v in per_message.items() if k != "load generator")
        if server:
            parts = ", ".join(
                f"{k} {v:.1f}" for k, v in sorted(per_message.items(), key=lambda kv: -kv[1])
            )
            lines.append(
                f"  - CPU per answered message, ms: {parts}; the servers' {server:.1f} ms make "
                f"at most {2000 / server:.0f} msg/s on 2 idle cores"
            )
        lines.extend(f"  - {event}" for event in r.events)
        lines.extend(f"  - problem: {p}" for p in r.check.problems[:10])
        lines.extend(f"  - client error: {e}" for e in r.client_errors[:10])
    return "\n".join(lines)


@contextlib.contextmanager
def environment(shared: bool, settings: ClusterSettings) -> Iterator[Environment]:
    with contextlib.ExitStack() as stack:
        postgres = redis = None
        if shared:
            database_url = stack.enter_context(shared_postgres_database("mila_load"))
            lock_url = os.environ.get("LOCK_STORE_URL") or "redis://127.0.0.1:6379/1"
        else:
            postgres = stack.enter_context(private_postgres())
            redis = stack.enter_context(private_redis())
            database_url, lock_url = postgres.url, redis.url
        settings.tracker_store_url = database_url
        settings.lock_store_url = lock_url
        cluster = stack.enter_context(running_cluster(settings))
        yield Environment(cluster, database_url, postgres, redis)


@contextlib.contextmanager
def profile(cluster: Cluster, out: Path) -> Iterator[None]:
    """py-spy on replica rasa-1 while the block runs; collapsed stacks to `out` (tools venv)."""
    py_spy = ROOT / ".cache" / "tools-venv" / "bin" / "py-spy"
    if not py_spy.exists():
        print("(no profile: run `make tools` to install py-spy)")
        yield
        return
    pid = cluster.rasa[0].process.pid
    out.parent.mkdir(parents=True, exist_ok=True)
    log = out.with_suffix(".log")
    spy = subprocess.Popen(
        [str(py_spy), "record", "--pid", str(pid), "--rate", "50", "--format", "raw",
         "--output", str(out), "--nonblocking"],
        stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while "Sampling process" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)  # attaching reads the symbols of TensorFlow's libraries: seconds
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)


# Which part of the Rasa server a sample belongs to: the first match from the leaf down.
CATEGORIES = [
    ("NLU: intent classifier (scikit-learn), entities, TensorFlow",
     ("components/", "tensorflow", "keras", "rasa/nlu/", "rasa/utils/tensorflow", "sklearn",
      "scipy", "numpy")),
    ("model graph (dask)", ("dask/", "rasa/engine/")),
    ("policies and dialogue state", ("rasa/core/policies", "rasa/shared/core/trackers.py",
                                     "rasa/core/featurizers", "rasa/shared/core/domain.py")),
    ("tracker store: SQL (SQLAlchemy, psycopg2)", ("sqlalchemy", "psycopg2", "tracker_store")),
    ("lock store: Redis", ("redis/", "lock_store")),
    ("validating action responses (jsonschema)", ("jsonschema", "pyrsistent")),
    ("calling the action server (aiohttp client)",
     ("aiohttp/", "rasa/core/actions", "rasa/utils/endpoints", "urllib/parse")),
    ("events: (de)serialisation", ("rasa/shared/core/events.py", "json/")),
    ("HTTP and Socket.IO server (Sanic, engineio)",
     ("sanic/", "engineio", "socketio", "httptools")),
    ("logging", ("logging/", "structlog")),
]  # fmt: skip
IDLE_LEAVES = ("serve (sanic/server/runners.py", "select (selectors.py", "run_forever (")


def breakdown(raw: Path) -> tuple[float, list[tuple[str, float]]]:
    """The share of samples in which the replica was busy, and how busy time divides."""
    totals: Counter = Counter()
    idle = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = [frame.strip() for frame in stack.split(";")]
        if frames[-1].startswith(IDLE_LEAVES):
            idle += int(count)
            continue
        label = "other (Rasa's processor, channels, Python)"
        for frame in reversed(frames):
            match = next((name for name, keys in CATEGORIES if any(k in frame for k in keys)), None)
            if match:
                label = match
                break
        totals[label] += int(count)
    busy = sum(totals.values())
    shares = [(label, 100 * n / (busy or 1)) for label, n in totals.most_common()]
    return 100 * busy / ((busy + idle) or 1), shares


async def main_async(args: argparse.Namespace) -> int:
    settings = ClusterSettings(
        port=free_port(), run_dir=ROOT / ".run" / "loadtest",
        rate=args.rate, burst=args.burst,
    )  # fmt: skip
    faults = list(FAULTS) if args.all_faults else ([args.fault] if args.fault else [])
    if args.shared and {"restart-postgres", "stop-redis"} & set(faults):
        print("error: --shared cannot restart the machine's PostgreSQL or Redis", file=sys.stderr)
        return 2
    reports: list[PhaseReport] = []
    with environment(args.shared, settings) as env:
        print(f"Cluster at {env.cluster.url}; calibrating the questions...", flush=True)
        bank = await calibrate(env.cluster.url, f"{os.getpid()}")
        print(f"{len(bank.answers)} questions answered right, dropped: {bank.dropped or 'none'}")
        if not args.faults_only:
            out = ROOT / "results" / "loadtest-profile.txt"
            print(f"Load: {args.conversations} conversations x {args.turns} turns...", flush=True)
            with profile(env.cluster, out) if args.profile else contextlib.nullcontext():
                report = await run_phase(
                    env, bank, "steady", args.conversations, args.turns, args.think,
                    seed=1, deadline=args.deadline,
                )  # fmt: skip
            reports.append(report)
            if args.profile and out.exists():
                busy, shares = breakdown(out)
                print(f"Replica rasa-1 was busy in {busy:.0f} % of py-spy's samples; of that time:")
                for label, share in shares:
                    print(f"  {share:5.1f} %  {label}")
        for number, fault in enumerate(faults, start=2):
            print(f"Fault {fault}: {args.fault_conversations} conversations...", flush=True)
            report = await run_phase(
                env,
                bank,
                fault,
                args.fault_conversations,
                args.turns,
                args.think,
                seed=number,
                fault=fault,
                deadline=args.deadline,
            )
            reports.append(report)
            if fault == "kill-rasa":
                env.cluster.start_rasa(0)
        text = format_report(reports)
        wrong = sorted({s for r in reports for s in r.check.wrong_senders})
        env_traces = traces(env.database_url, wrong) if wrong else {}
    print(text)
    if wrong:
        trace_file = ROOT / "results" / "loadtest-wrong-answers.json"
        trace_file.parent.mkdir(parents=True, exist_ok=True)
        trace_file.write_text(json.dumps(env_traces, indent=1, default=str), encoding="utf-8")
        print(f"Stored events of the {len(wrong)} conversations answered wrong: {trace_file}")
    if args.report:
        Path(args.report).parent.mkdir(parents=True, exist_ok=True)
        Path(args.report).write_text(text + "\n", encoding="utf-8")
    return 0 if all(r.check.ok for r in reports) else 1


def main(argv: list[str] | None = None) -> int:
    env = os.environ
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--conversations", type=int, default=int(env.get("LOAD_CONVERSATIONS", 200))
    )
    parser.add_argument("--turns", type=int, default=int(env.get("LOAD_TURNS", 10)))
    parser.add_argument("--think", type=float, default=float(env.get("LOAD_THINK_SECONDS", 3.0)))
    parser.add_argument("--fault", choices=FAULTS)
    parser.add_argument("--all-faults", action="store_true")
    parser.add_argument("--faults-only", action="store_true")
    parser.add_argument(
        "--fault-conversations", type=int, default=int(env.get("LOAD_FAULT_CONVERSATIONS", 40))
    )
    parser.add_argument(
        "--shared", action="store_true", help="use the machine's PostgreSQL and Redis"
    )
    parser.add_argument("--rate", default=env.get("MILA_RATE", "2r/s"))
    parser.add_argument("--burst", type=int, default=int(env.get("MILA_BURST", 10)))
    parser.add_argument("--deadline", type=float, default=600, help="seconds before giving up")
    parser.add_argument("--profile", action="store_true", help="py-spy on one replica")
    parser.add_argument("--report", help="also write the markdown report to this file")
    return asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())

"""The load test's own figures: nginx's times, latency over time, the per-message timeline.

The load itself runs against a real cluster in tests/production/test_cluster.py.
"""

from __future__ import annotations

from scripts.loadtest import Plan, Result, answers, proxy_times, windows, write_timeline

# Lines as log_format mila writes them (deploy/nginx/mila.conf.template).
ACCESS_LOG = """\
127.0.1.2 [26/Nov/2026:01:00:00 +0000] "POST /webhooks/rest/webhook" 200 310 0.031 "127.0.0.1:5005" 0.030
127.0.1.3 [26/Nov/2026:01:00:00 +0000] "GET /socket.io/" 101 0 12.000 "127.0.0.1:5005" 12.000
127.0.1.4 [26/Nov/2026:01:00:01 +0000] "POST /webhooks/rest/webhook" 200 310 0.531 "127.0.0.1:5005, 127.0.0.1:5006" 0.500, 0.030
127.0.1.5 [26/Nov/2026:01:00:01 +0000] "POST /webhooks/rest/webhook" 502 150 0.002 "127.0.0.1:5005" -
127.0.1.6 [26/Nov/2026:01:00:02 +0000] "POST /webhooks/rest/webhook" 429 150 0.000 "-" -
"""  # noqa: E501


def test_proxy_times_read_rest_messages_after_the_offset_only(tmp_path):
    log = tmp_path / "access.log"
    earlier = '127.0.0.9 [x] "POST /webhooks/rest/webhook" 200 1 9.000 "127.0.0.1:1" 9.000\n'
    log.write_text(earlier + ACCESS_LOG, encoding="utf-8")

    times = proxy_times(log, offset=len(earlier))

    # Two REST messages reached a replica; the Socket.IO line, the 502 and the 429 do not count.
    assert times["nginx"]["n"] == 2
    assert times["nginx"]["max"] == 531.0
    # A request nginx retried on the other replica counts both replicas' times.
    assert times["rasa"]["max"] == 530.0


def test_proxy_times_without_a_log_are_empty(tmp_path):
    assert proxy_times(tmp_path / "missing.log", 0) == {}


def _result(sender: str, channel: str, latencies: list[tuple[float, float]]) -> Result:
    plan = Plan(sender=sender, channel=channel, language="en", source_ip="127.0.1.2", turns=[])
    return Result(plan, latencies=latencies)


def test_windows_group_messages_by_the_time_they_were_sent():
    started = 100.0
    results = [
        _result("a", "rest", [(100.5, 0.020), (104.0, 0.040), (106.0, 0.500)]),
        _result("b", "socketio", [(101.0, 0.030), (107.5, 0.060)]),
    ]

    found = windows(answers(results), started)

    assert [w["start"] for w in found] == [0.0, 5.0]
    assert [w["n"] for w in found] == [3, 2]
    assert found[0]["rate"] == 3 / 5
    assert found[1]["max"] == 500.0


def test_the_timeline_has_one_line_per_answer_in_the_order_sent(tmp_path):
    path = tmp_path / "timeline.csv"
    results = [
        _result("a", "rest", [(102.0, 0.0251)]),
        _result("b", "socketio", [(100.5, 0.1)]),
    ]

    write_timeline(path, answers(results), started=100.0)

    assert path.read_text(encoding="utf-8").splitlines() == [
        "sent_s,latency_ms,channel,sender",
        "0.500,100.0,socketio,b",
        "2.000,25.1,rest,a",
    ]

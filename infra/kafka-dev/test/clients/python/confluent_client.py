"""confluent-kafka (Debian python3-confluent-kafka 1.7.0 on librdkafka 2.0.2) against the development broker;
each command prints one JSON line."""
import json
import sys
import threading
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

bootstrap, command, *args = sys.argv[1:]


def out(value):
    print(json.dumps(value), flush=True)


def consumer(group, **extra):
    return Consumer({"bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                     "enable.auto.commit": False, "session.timeout.ms": 6000, "heartbeat.interval.ms": 500,
                     "fetch.wait.max.ms": 200, **extra})


def produce(topic, count, start=0, base_ts=None, step_ms=0):
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 50})
    for i in range(start, start + count):
        kwargs = {"timestamp": base_ts + (i - start) * step_ms} if base_ts is not None else {}
        p.produce(topic, key=f"k{i}", value=f"v{i}", headers=[("h", f"x{i}".encode())], **kwargs)
    assert p.flush(30) == 0, "undelivered messages"


def drain(c, want, deadline_s=30):
    got = []
    end = time.time() + deadline_s
    while len(got) < want and time.time() < end:
        m = c.poll(0.2)
        if m is None:
            continue
        if m.error():
            raise SystemExit(f"consume error: {m.error()}")
        got.append(m)
    return got


def as_json(m):
    return {"offset": m.offset(), "key": m.key().decode(), "value": m.value().decode(),
            "headers": [[k, v.decode()] for k, v in (m.headers() or [])]}


if command == "produce":
    topic, count = args[0], int(args[1])
    start = int(args[2]) if len(args) > 2 else 0
    produce(topic, count, start)
    out({"produced": count})

elif command == "consume":
    topic, group, count = args[0], args[1], int(args[2])
    c = consumer(group)
    c.subscribe([topic])
    records = drain(c, count)
    c.commit(asynchronous=False)
    c.close()
    out({"records": [as_json(m) for m in records]})

elif command == "times":
    # one batch of 5 records stamped T, T+1000, ... T+4000; offsets_for_times(T+2500) must find the 4th
    topic, base = args[0], int(args[1])
    produce(topic, 5, 0, base_ts=base, step_ms=1000)
    c = consumer("times-probe")
    found = c.offsets_for_times([TopicPartition(topic, 0, base + 2500)], timeout=10)
    late = c.offsets_for_times([TopicPartition(topic, 0, base + 9000)], timeout=10)
    c.assign([TopicPartition(topic, 0, found[0].offset)])
    first = drain(c, 1)[0]
    c.close()
    out({"offset": found[0].offset, "timestamp": first.timestamp()[1], "value": first.value().decode(),
         "lateOffset": late[0].offset})

elif command == "group":
    topic, group = args
    stop = threading.Event()
    members = {}

    def member(name):
        c = consumer(group, **{"client.id": name})
        c.subscribe([topic])
        members[name] = c
        while not stop.is_set():
            c.poll(0.1)
        c.close()

    def assigned(name):
        c = members.get(name)
        return sorted(tp.partition for tp in c.assignment()) if c else []

    def wait(condition):
        end = time.time() + 30
        while not condition() and time.time() < end:
            time.sleep(0.05)

    threads = [threading.Thread(target=member, args=("member-a",))]
    threads[0].start()
    wait(lambda: len(assigned("member-a")) == 2)
    alone = assigned("member-a")
    threads.append(threading.Thread(target=member, args=("member-b",)))
    threads[1].start()
    wait(lambda: len(assigned("member-a")) == 1 and len(assigned("member-b")) == 1)
    split = [assigned("member-a"), assigned("member-b")]
    stop.set()
    for t in threads:
        t.join()
    out({"alone": alone, "split": split})

elif command == "admin":
    topic = args[0]
    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1,
                                           config={"retention.ms": "3600000"})]).values():
        f.result(10)
    listed = topic in admin.list_topics(timeout=10).topics
    resource = ConfigResource("topic", topic)
    entries = list(admin.describe_configs([resource]).values())[0].result(10)
    for f in admin.alter_configs([ConfigResource("topic", topic, set_config={"retention.ms": "7200000"})]).values():
        f.result(10)
    altered = list(admin.describe_configs([resource]).values())[0].result(10)
    for f in admin.create_partitions([NewPartitions(topic, 3)]).values():
        f.result(10)
    partitions = len(admin.list_topics(topic, timeout=10).topics[topic].partitions)
    bad = None
    try:
        for f in admin.create_topics([NewTopic(topic + "-bad", 1, 1, config={"cleanup.policy": "bogus"})]).values():
            f.result(10)
    except Exception as error:  # noqa: BLE001 - the error's text is the result
        bad = str(error)
    groups = admin.list_groups(timeout=10)
    for f in admin.delete_topics([topic]).values():
        f.result(10)
    deadline = time.time() + 10
    while topic in admin.list_topics(timeout=10).topics and time.time() < deadline:
        time.sleep(0.1)
    out({"listed": listed, "retention": entries["retention.ms"].value, "altered": altered["retention.ms"].value,
         "partitions": partitions, "invalidConfig": bad, "groups": len(groups),
         "deleted": topic not in admin.list_topics(timeout=10).topics})

elif command == "count":
    # reads partition 0 from the beginning to its high watermark; prints how many records came back
    topic = args[0]
    c = consumer("count-reader")
    low, high = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    c.assign([TopicPartition(topic, 0, low)])
    count = 0
    deadline = time.time() + 30
    last = low - 1
    while last < high - 1 and time.time() < deadline:
        m = c.poll(0.2)
        if m is None:
            continue
        if m.error():
            raise SystemExit(f"consume error: {m.error()}")
        count += 1
        last = m.offset()
    c.close()
    out({"count": count, "end": high})

else:
    raise SystemExit(f"unknown command {command}")

"""kafka-python (Debian python3-kafka 2.0.2) against the development broker; each command prints one JSON line."""
import json
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic

bootstrap, command, *args = sys.argv[1:]
common = {"bootstrap_servers": bootstrap, "request_timeout_ms": 10000, "api_version_auto_timeout_ms": 5000}


def out(value):
    print(json.dumps(value), flush=True)


def consumer(group, **extra):
    return KafkaConsumer(group_id=group, auto_offset_reset="earliest", enable_auto_commit=False,
                         session_timeout_ms=6000, heartbeat_interval_ms=500, max_poll_interval_ms=60000,
                         fetch_max_wait_ms=200, **common, **extra)


def drain(c, want, deadline_s=30):
    got = []
    end = time.time() + deadline_s
    while len(got) < want and time.time() < end:
        for records in c.poll(timeout_ms=200).values():
            got.extend(records)
    return got


if command == "probe":
    # KafkaAdminClient() runs kafka-python's version probe: ApiVersions v0 then Metadata v0, pipelined
    versions = []
    for _ in range(int(args[0])):
        admin = KafkaAdminClient(**common)
        versions.append(list(admin.config["api_version"]))
        admin.list_topics()
        admin.close()
    out({"versions": versions})

elif command == "produce":
    topic, count = args[0], int(args[1])
    start = int(args[2]) if len(args) > 2 else 0
    producer = KafkaProducer(acks="all", linger_ms=5, **common)
    for i in range(start, start + count):
        producer.send(topic, key=f"k{i}".encode(), value=f"v{i}".encode(), headers=[("h", f"x{i}".encode())])
    producer.flush()
    producer.close()
    out({"produced": count})

elif command == "consume":
    # reads `count` records as group `group`, commits, prints what it read
    topic, group, count = args[0], args[1], int(args[2])
    c = consumer(group)
    c.subscribe([topic])
    records = drain(c, count)
    c.commit()
    c.close()
    out({"records": [{"offset": r.offset, "key": r.key.decode(), "value": r.value.decode(),
                      "headers": [[k, v.decode()] for k, v in r.headers]} for r in records]})

elif command == "group":
    # two members of one group, each polling in its own thread (as two processes would): the first gets
    # every partition, then a rebalance splits them
    import threading

    topic, group = args
    stop = threading.Event()
    members = {}

    def member(name):
        c = consumer(group, client_id=name)
        c.subscribe([topic])
        members[name] = c
        while not stop.is_set():
            c.poll(timeout_ms=100)
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
    admin = KafkaAdminClient(**common)
    admin.create_topics([NewTopic(topic, 1, 1, topic_configs={"retention.ms": "3600000"})])
    listed = topic in admin.list_topics()
    described = admin.describe_topics([topic])
    configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    entries = {e[0]: e[1] for e in configs[0].resources[0][4]}
    admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={"retention.ms": "7200000"})])
    altered = {e[0]: e[1] for e in admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, topic)])[0].resources[0][4]}
    admin.create_partitions({topic: NewPartitions(3)})
    partitions = len(admin.describe_topics([topic])[0]["partitions"])
    groups = admin.list_consumer_groups()
    admin.delete_topics([topic])
    gone = topic not in admin.list_topics()
    admin.close()
    out({"listed": listed, "describedPartitions": len(described[0]["partitions"]),
         "retention": entries.get("retention.ms"), "altered": altered.get("retention.ms"),
         "partitions": partitions, "groups": len(groups) >= 0, "deleted": gone})

elif command == "times":
    # one batch of 5 records stamped T, T+1000, ... T+4000; offsets_for_times(T+2500) must find the 4th
    topic, base = args[0], int(args[1])
    producer = KafkaProducer(acks="all", linger_ms=1000, **common)
    for i in range(5):
        producer.send(topic, value=f"v{i}".encode(), partition=0, timestamp_ms=base + i * 1000)
    producer.flush()
    producer.close()
    c = KafkaConsumer(**common)
    tp = TopicPartition(topic, 0)
    found = c.offsets_for_times({tp: base + 2500})[tp]
    late = c.offsets_for_times({tp: base + 9000})[tp]
    c.close()
    out({"offset": found.offset, "timestamp": found.timestamp, "late": late})

elif command == "count":
    # reads partition 0 from the beginning to its end offset; prints how many records came back
    topic = args[0]
    c = KafkaConsumer(enable_auto_commit=False, fetch_max_wait_ms=100, **common)
    tp = TopicPartition(topic, 0)
    c.assign([tp])
    c.seek_to_beginning(tp)
    end = c.end_offsets([tp])[tp]
    count = 0
    deadline = time.time() + 30
    while c.position(tp) < end and time.time() < deadline:
        for records in c.poll(timeout_ms=200).values():
            count += len(records)
    c.close()
    out({"count": count, "end": end})

else:
    raise SystemExit(f"unknown command {command}")

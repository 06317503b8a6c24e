/**
 * The data tier on kind (issue 15): PostgreSQL as a CloudNativePG Cluster (3 instances, synchronous, PDB,
 * anti-affinity, backups, a database and a role per service, enforced), Kafka with 3 KRaft brokers (RF 3,
 * min ISR 2, PDB, anti-affinity), images pinned by digest, and the manifests held to what the code reads and
 * creates (URLs, secrets, topics, producer settings).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import {
  cnpgClusters,
  cnpgInstanceLabels,
  cnpgServiceNames,
  DIGEST_PINNED,
  envReadBy,
  hasCrdSchema,
  hbaMethod,
  type Json,
  type K8sObject,
  renderCombination,
  repoRoot,
  SERVICES,
  selects,
  skipUnlessKustomize,
  validateCustomResource,
  type Workload,
  workloads,
} from '../src/index.ts';

const skip = skipUnlessKustomize();
const DATABASE_SERVICES = SERVICES.filter((s) => s.database).map((s) => s.name);
const KAFKA_SERVICES = SERVICES.filter((s) => s.kafka).map((s) => s.name);

let objects: K8sObject[] = [];
let all: Workload[] = [];
const find = (kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === 'rebound') as
    | (K8sObject & { spec: Json; data?: Record<string, string>; type?: string })
    | undefined;
const decode = (value: string) => Buffer.from(value.replace(/\s/g, ''), 'base64').toString('utf8');
const secretValue = (name: string, key: string): string => {
  const secret = find('Secret', name);
  assert.ok(secret, `Secret ${name} is not rendered`);
  const value = secret.data?.[key];
  assert.ok(value !== undefined, `Secret ${name} has no key ${key}`);
  return decode(value);
};
const workload = (name: string): Workload => {
  const w = all.find((x) => x.name === name && x.namespace === 'rebound');
  assert.ok(w, `no workload ${name}`);
  return w;
};
const envOf = (w: Workload) => w.pod.containers[0]?.env ?? [];
const ingressFrom = (policy: K8sObject, port: number): Json[] =>
  ((policy.spec as Json).ingress ?? [])
    .filter((rule: Json) => (rule.ports ?? []).some((p: Json) => p.port === port))
    .flatMap((rule: Json) => rule.from ?? ['*']);
const sourceFiles = (dir: string): string[] =>
  readdirSync(join(repoRoot, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.includes('node_modules'))
    .map((f) => join(dir, f));

describe('the data tier on kind', { skip }, () => {
  before(async () => {
    objects = await renderCombination(['overlays/kind'], []);
    all = workloads(objects);
  });

  describe('PostgreSQL (CloudNativePG)', () => {
    const cluster = () => {
      const clusters = cnpgClusters(objects);
      assert.equal(clusters.length, 1, 'one Cluster');
      return clusters[0] as K8sObject & { spec: Json };
    };

    it('is one Cluster of 3 instances with synchronous replication on, never acknowledging a commit only the primary holds', () => {
      const { spec, metadata } = cluster();
      assert.equal(metadata.name, 'postgresql');
      assert.equal(spec.instances, 3);
      const sync = spec.postgresql?.synchronous;
      assert.ok(sync, 'spec.postgresql.synchronous is not set: replication is asynchronous');
      assert.ok(['any', 'first'].includes(sync.method), sync.method);
      assert.ok(
        sync.number >= 1 && sync.number < spec.instances,
        `number ${sync.number} of ${spec.instances}`,
      );
      assert.equal(sync.dataDurability, 'required', 'preferred would acknowledge on the primary alone');
      assert.equal(sync.failoverQuorum, true, 'promote only a standby the quorum proves complete');
      assert.equal(
        spec.minSyncReplicas,
        undefined,
        'the legacy settings and `synchronous` exclude each other',
      );
      // Sized like every other workload (requests, a memory limit, no CPU limit) and on PersistentVolumes.
      assert.ok(spec.resources?.requests?.cpu && spec.resources?.requests?.memory, 'requests');
      assert.ok(spec.resources?.limits?.memory, 'memory limit');
      assert.equal(spec.resources?.limits?.cpu, undefined, 'CPU limits are not used (docs/kubernetes.md)');
      assert.match(spec.storage?.size ?? '', /^\d+(Mi|Gi)$/);
      // The single-pod StatefulSet it replaces is gone.
      assert.equal(find('StatefulSet', 'postgresql'), undefined);
      assert.equal(find('Service', 'postgresql'), undefined);
    });

    it('keeps the operator PDBs on, spreads instances over nodes, and has no PDB of its own over them', () => {
      const { spec } = cluster();
      assert.equal(spec.enablePDB, true);
      assert.equal(spec.affinity?.enablePodAntiAffinity, true);
      assert.equal(spec.affinity?.topologyKey, 'kubernetes.io/hostname');
      assert.ok(['preferred', 'required'].includes(spec.affinity?.podAntiAffinityType));
      const labels = cnpgInstanceLabels(cluster());
      const ours = objects.filter(
        (o) => o.kind === 'PodDisruptionBudget' && selects((o.spec as Json).selector, labels),
      );
      // Two PDBs over one pod make every eviction of it fail.
      assert.deepEqual(ours, [], 'a PDB of ours selects the instances the operator already covers');
    });

    it('gives each service that owns data its own URL: its role, its database, the -rw Service, from one Secret', () => {
      const { spec } = cluster();
      const rw = cnpgServiceNames(cluster()).rw;
      assert.deepEqual(DATABASE_SERVICES.sort(), ['inventory', 'notifications', 'orders', 'payments']);
      for (const service of SERVICES) {
        const variable = `${service.name.toUpperCase()}_DATABASE_URL`;
        const entries = envOf(workload(service.name)).filter((e) => e.name.endsWith('DATABASE_URL'));
        if (!service.database) {
          assert.deepEqual(entries, [], `${service.name} owns no data but gets a database URL`);
          continue;
        }
        assert.ok(envReadBy(service.name).has(variable), `apps/${service.name} does not read ${variable}`);
        assert.deepEqual(
          entries.map((e) => e.name),
          [variable],
        );
        const ref = (entries[0]?.valueFrom as Json)?.secretKeyRef;
        assert.ok(ref, `${variable} is not read from a Secret`);
        const url = new URL(secretValue(ref.name, ref.key));
        assert.equal(url.protocol, 'postgres:');
        assert.equal(url.hostname, rw, `${service.name}: not the primary's -rw Service`);
        assert.equal(url.port, '5432');
        assert.equal(url.pathname, `/${service.name}`, `${service.name}: not its own database`);
        assert.equal(url.username, service.name, `${service.name}: not its own role`);
        assert.equal(find('Secret', ref.name)?.type, 'kubernetes.io/basic-auth');
        assert.equal(secretValue(ref.name, 'username'), url.username);
        assert.equal(secretValue(ref.name, 'password'), decodeURIComponent(url.password));
        const role = (spec.managed?.roles ?? []).find((r: Json) => r.name === service.name);
        assert.ok(role, `no managed role ${service.name}`);
        assert.equal(role.login, true);
        assert.equal(
          role.passwordSecret?.name,
          ref.name,
          `${service.name}: the role's password is another Secret`,
        );
        for (const power of ['superuser', 'createrole', 'createdb', 'replication', 'bypassrls'])
          assert.notEqual(role[power], true, `${service.name}: ${power}`);
        const databases = objects.filter(
          (o) => o.kind === 'Database' && (o.spec as Json).name === service.name,
        ) as (K8sObject & { spec: Json })[];
        assert.equal(databases.length, 1, `${service.name}: ${databases.length} Database objects`);
        assert.equal(databases[0]?.spec.owner, service.name);
        assert.equal(databases[0]?.spec.cluster.name, cluster().metadata.name);
      }
    });

    it('lets each role log in to its own database only (pg_hba, first match wins)', () => {
      const rules: string[] = cluster().spec.postgresql?.pg_hba ?? [];
      for (const role of DATABASE_SERVICES) {
        for (const database of [...DATABASE_SERVICES, 'postgres', 'app', 'template1']) {
          const method = hbaMethod(rules, role, database);
          if (role === database) assert.equal(method, 'scram-sha-256', `${role} → ${database}`);
          else assert.equal(method, 'reject', `${role} may log in to ${database}`);
        }
      }
      // The evaluator is not vacuous: without the reject line every role reaches every database.
      const open = rules.filter((r) => !r.includes('reject'));
      assert.equal(hbaMethod(open, 'orders', 'payments'), 'scram-sha-256');
    });

    it('archives WAL continuously and takes scheduled base backups into the in-cluster object store', () => {
      const { spec } = cluster();
      const archivers = (spec.plugins ?? []).filter(
        (p: Json) => p.isWALArchiver === true && p.enabled !== false,
      );
      assert.equal(archivers.length, 1, 'one WAL archiver');
      const plugin = archivers[0];
      assert.equal(plugin.name, 'barman-cloud.cloudnative-pg.io');
      const store = find('ObjectStore', plugin.parameters?.barmanObjectName);
      assert.ok(store, `ObjectStore ${plugin.parameters?.barmanObjectName} is not rendered`);
      assert.match(
        spec.postgresql.parameters?.archive_timeout ?? '',
        /^([1-9]|[1-5]\d|60)s$/,
        'archive_timeout ≤ 60 s',
      );
      const configuration = store.spec.configuration;
      const endpoint = new URL(configuration.endpointURL);
      const service = find('Service', endpoint.hostname);
      assert.ok(service, `${endpoint.hostname} names no Service`);
      assert.ok(
        service.spec.ports.some((p: Json) => p.port === Number(endpoint.port)),
        'port',
      );
      assert.match(configuration.destinationPath, /^s3:\/\/[a-z0-9.-]+\//);
      assert.match(store.spec.retentionPolicy, /^\d+[dwm]$/);
      // The credentials the sidecar sends are an identity the store accepts.
      const keyId = secretValue(
        configuration.s3Credentials.accessKeyId.name,
        configuration.s3Credentials.accessKeyId.key,
      );
      const secret = secretValue(
        configuration.s3Credentials.secretAccessKey.name,
        configuration.s3Credentials.secretAccessKey.key,
      );
      const storeWorkload = all.find((w) =>
        selects({ matchLabels: service.spec.selector }, w.templateLabels),
      );
      assert.ok(storeWorkload, 'the backup store Service selects no workload');
      const configVolume = (storeWorkload.pod.volumes ?? []).find((v) => (v as Json).secret) as Json;
      const identities = JSON.parse(secretValue(configVolume.secret.secretName, 's3.json'))
        .identities as Json[];
      assert.ok(
        identities.some((i) =>
          i.credentials.some((c: Json) => c.accessKey === keyId && c.secretKey === secret),
        ),
        'the ObjectStore credentials are no identity of the store',
      );
      const scheduled = objects.filter((o) => o.kind === 'ScheduledBackup') as (K8sObject & { spec: Json })[];
      assert.equal(scheduled.length, 1);
      const backup = (scheduled[0] as K8sObject & { spec: Json }).spec;
      assert.equal(backup.cluster.name, cluster().metadata.name);
      assert.equal(backup.method, 'plugin');
      assert.equal(backup.pluginConfiguration.name, plugin.name);
      assert.equal(backup.schedule.split(' ').length, 6, 'CloudNativePG schedules have a seconds field');
      assert.equal(backup.immediate, true, 'a first base backup right away');
    });

    it('admits the data services, its own instances, the operator and Prometheus, and nothing else', () => {
      const labels = cnpgInstanceLabels(cluster());
      const policies = objects.filter(
        (o) =>
          o.kind === 'NetworkPolicy' &&
          Object.keys((o.spec as Json).podSelector).length > 0 &&
          selects((o.spec as Json).podSelector, labels),
      );
      const from = (port: number) => policies.flatMap((p) => ingressFrom(p, port));
      const names = (rules: Json[]) =>
        rules.flatMap(
          (f) =>
            f.podSelector?.matchExpressions?.find((e: Json) => e.key === 'app.kubernetes.io/name')?.values ??
            [],
        );
      assert.deepEqual(names(from(5432)).sort(), [...DATABASE_SERVICES].sort());
      const namespaces = (port: number) =>
        from(port)
          .map((f) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'])
          .filter(Boolean);
      assert.deepEqual(namespaces(5432), ['cnpg-system']);
      assert.deepEqual(namespaces(8000), ['cnpg-system']);
      assert.deepEqual(namespaces(9187), ['monitoring']);
      assert.ok(
        from(5432).some((f) => f.podSelector && selects(f.podSelector, labels)),
        'instances cannot stream from each other',
      );
      assert.ok(!from(5432).includes('*'), 'PostgreSQL is open to anyone');
      const egress = policies.flatMap((p) => (p.spec as Json).egress ?? []);
      const ports = egress.flatMap((e: Json) => (e.ports ?? []).map((p: Json) => p.port));
      assert.ok(
        ports.includes(443) && ports.includes(6443),
        'the instance managers cannot reach the API server',
      );
      const store = objects.find(
        (o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'backup-store',
      ) as Json;
      assert.ok(store, 'no policy for the backup store');
      assert.ok(ingressFrom(store, 8333).every((f) => f !== '*' && selects(f.podSelector, labels)));
    });
  });

  describe('Kafka (3 KRaft brokers)', () => {
    const env = (): Record<string, Json> =>
      Object.fromEntries(envOf(workload('kafka')).map((e) => [e.name, e.value ?? e.valueFrom]));

    it('runs 3 brokers that are also the 3 KRaft controllers, started together, each with its own id and address', () => {
      const kafka = workload('kafka');
      const statefulSet = kafka.object.spec as Json;
      assert.equal(kafka.object.kind, 'StatefulSet');
      assert.equal(statefulSet.replicas, 3);
      assert.equal(statefulSet.podManagementPolicy, 'Parallel', 'OrderedReady deadlocks a quorum');
      const e = env();
      assert.equal(e.KAFKA_PROCESS_ROLES, 'broker,controller');
      assert.equal(e.KAFKA_NODE_ID?.fieldRef?.fieldPath, "metadata.labels['apps.kubernetes.io/pod-index']");
      const headless = find('Service', statefulSet.serviceName);
      assert.ok(headless, 'the StatefulSet serviceName names no Service');
      assert.equal(headless.spec.clusterIP, 'None');
      assert.ok(
        headless.spec.ports.some((p: Json) => p.port === 9093),
        'the quorum port is not published',
      );
      const domain = `${statefulSet.serviceName}.rebound.svc.cluster.local`;
      assert.deepEqual(
        e.KAFKA_CONTROLLER_QUORUM_VOTERS.split(','),
        [0, 1, 2].map((i) => `${i}@kafka-${i}.${domain}:9093`),
      );
      // $(POD_NAME) expands only if POD_NAME is defined before the variable that uses it.
      const names = envOf(kafka).map((x) => x.name);
      assert.ok(names.indexOf('POD_NAME') < names.indexOf('KAFKA_ADVERTISED_LISTENERS'));
      assert.equal(e.KAFKA_ADVERTISED_LISTENERS, `PLAINTEXT://$(POD_NAME).${domain}:9092`);
      assert.ok(e.CLUSTER_ID, 'every broker must format with one cluster id');
      assert.ok(statefulSet.volumeClaimTemplates?.length === 1, 'logs on PersistentVolumes');
    });

    it('replicates every topic 3 times and takes an acks=all write with 2 in sync; one broker may be down or drained', () => {
      const e = env();
      const rf = Number(e.KAFKA_DEFAULT_REPLICATION_FACTOR);
      const minIsr = Number(e.KAFKA_MIN_INSYNC_REPLICAS);
      assert.equal(rf, 3);
      assert.equal(minIsr, 2);
      assert.equal(Number(e.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR), rf);
      assert.equal(Number(e.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR), rf);
      assert.equal(Number(e.KAFKA_TRANSACTION_STATE_LOG_MIN_ISR), minIsr);
      assert.equal(e.KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE, 'false');
      assert.ok(rf <= (workload('kafka').object.spec as Json).replicas);
      const kafka = workload('kafka');
      const pdbs = objects.filter(
        (o) => o.kind === 'PodDisruptionBudget' && selects((o.spec as Json).selector, kafka.templateLabels),
      );
      assert.equal(pdbs.length, 1, 'one PDB over the brokers');
      const maxUnavailable = (pdbs[0] as K8sObject & { spec: Json }).spec.maxUnavailable;
      assert.ok(maxUnavailable >= 1, 'a drain could never evict a broker');
      assert.ok(rf - maxUnavailable >= minIsr, `a drain of ${maxUnavailable} would stop acks=all writes`);
      const term =
        (kafka.pod as Json).affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]
          ?.podAffinityTerm ??
        (kafka.pod as Json).affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.[0];
      assert.ok(term, 'no pod anti-affinity between brokers');
      assert.equal(term.topologyKey, 'kubernetes.io/hostname');
      assert.ok(
        selects(term.labelSelector, kafka.templateLabels),
        'the anti-affinity does not select brokers',
      );
    });

    it('creates topics only with the broker defaults, and produces with acks=all and idempotence (the code)', () => {
      const files = ['libs', 'apps'].flatMap((root) =>
        readdirSync(join(repoRoot, root)).flatMap((pkg) => {
          try {
            return sourceFiles(join(root, pkg, 'src'));
          } catch {
            return [];
          }
        }),
      );
      const creating = files.filter((f) => readFileSync(join(repoRoot, f), 'utf8').includes('createTopics('));
      assert.ok(creating.length >= 1, 'no createTopics call found: the scan is vacuous');
      for (const file of creating) {
        const text = readFileSync(join(repoRoot, file), 'utf8');
        // A replication factor or topic config here would override the broker's RF 3 / min ISR 2.
        for (const override of [
          'replicationFactor',
          'replicaAssignment',
          'configEntries',
          'min.insync.replicas',
        ])
          assert.ok(!text.includes(override), `${file} sets ${override}`);
      }
      const producing = files.filter((f) => /\.producer\(\{/.test(readFileSync(join(repoRoot, f), 'utf8')));
      assert.deepEqual(
        producing,
        ['libs/messaging/src/producer/message.producer.ts'],
        'one place creates producers',
      );
      const producer = readFileSync(join(repoRoot, producing[0] as string), 'utf8');
      assert.match(producer, /kafka\.producer\(\{[^}]*idempotent: true,[^}]*maxInFlightRequests: 1,/s);
      assert.match(producer, /sendBatch\(\{\s*acks: -1,/);
      assert.ok(!/acks: (0|1)\b/.test(producer), 'a send with acks 0 or 1');
    });

    it('is reached by the services that use it (KAFKA_BROKERS), and admits them and its own brokers only', () => {
      const kafka = workload('kafka');
      for (const name of KAFKA_SERVICES) {
        const brokers = envOf(workload(name)).find((e) => e.name === 'KAFKA_BROKERS')?.value;
        assert.ok(brokers, `${name}: no KAFKA_BROKERS`);
        for (const address of brokers.split(',')) {
          const [host, port] = address.split(':');
          const service = find('Service', host as string);
          assert.ok(
            service && selects({ matchLabels: service.spec.selector }, kafka.templateLabels),
            address,
          );
          assert.ok(
            service.spec.ports.some((p: Json) => p.port === Number(port)),
            address,
          );
        }
      }
      const policy = objects.find(
        (o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'kafka',
      ) as K8sObject;
      assert.ok(policy && selects((policy.spec as Json).podSelector, kafka.templateLabels));
      const admitted = (port: number) =>
        ingressFrom(policy, port).flatMap(
          (f) =>
            f.podSelector?.matchExpressions?.find((e: Json) => e.key === 'app.kubernetes.io/name')?.values ??
            [],
        );
      assert.deepEqual(admitted(9092).sort(), [...KAFKA_SERVICES, 'kafka'].sort());
      assert.ok(admitted(9093).includes('kafka'), 'the controllers cannot reach each other');
    });
  });

  it('pins every data-tier image by digest as well as by tag', () => {
    const images = [
      ...cnpgClusters(objects).map((c) => c.spec.imageName as string),
      ...['kafka', 'backup-store'].flatMap((name) => workload(name).pod.containers.map((c) => c.image)),
    ];
    assert.equal(images.length, 3);
    for (const image of images) assert.match(image, DIGEST_PINNED, `${image}: not tag@sha256:digest`);
    assert.doesNotMatch('apache/kafka:4.1.1', DIGEST_PINNED);
  });

  it('checks every custom resource against its vendored CRD schema, and the check catches what the API server would', () => {
    const custom = objects.filter((o) => o.apiVersion.includes('cnpg.io'));
    assert.deepEqual([...new Set(custom.map((o) => o.kind))].sort(), [
      'Cluster',
      'Database',
      'ObjectStore',
      'ScheduledBackup',
    ]);
    for (const object of custom) {
      assert.ok(hasCrdSchema(object), `${object.kind}: no vendored schema`);
      assert.deepEqual(validateCustomResource(object), [], `${object.kind}/${object.metadata.name}`);
    }
    const cluster = structuredClone(cnpgClusters(objects)[0]) as K8sObject & { spec: Json };
    cluster.spec.postgresql.synchronous.numbr = 1;
    cluster.spec.postgresql.synchronous.method = 'all';
    cluster.spec.instances = '3';
    assert.deepEqual(validateCustomResource(cluster).sort(), [
      'spec.instances must be integer',
      'spec.postgresql.synchronous.method must be equal to one of the allowed values',
      'unknown field spec.postgresql.synchronous.numbr',
    ]);
    const database = structuredClone(custom.find((o) => o.kind === 'Database')) as K8sObject & { spec: Json };
    delete database.spec.cluster;
    assert.match(validateCustomResource(database).join('\n'), /must have required property 'cluster'/);
    // Free-form maps stay free-form (plugin parameters, labels).
    const withParameter = structuredClone(cnpgClusters(objects)[0]) as K8sObject & { spec: Json };
    withParameter.spec.plugins[0].parameters.anything = 'x';
    withParameter.metadata.labels = { 'any/label': 'x' };
    assert.deepEqual(validateCustomResource(withParameter), []);
  });

  it('evaluates pg_hba as PostgreSQL does: first matching line, comma lists, all', () => {
    const rules = ['host a a all scram-sha-256', 'host all a,b all reject'];
    assert.equal(hbaMethod(rules, 'a', 'a'), 'scram-sha-256');
    assert.equal(hbaMethod(rules, 'a', 'b'), 'reject');
    assert.equal(hbaMethod(rules, 'b', 'b'), 'reject');
    assert.equal(hbaMethod(rules, 'c', 'a'), 'scram-sha-256', 'the operator default comes last');
    assert.equal(hbaMethod([], 'streaming_replica', 'postgres'), 'cert');
  });
});

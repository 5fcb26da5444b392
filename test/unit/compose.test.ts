// docker-compose.yml cannot run here (no Docker engine), so it is checked for consistency: the
// services the production-like stack needs, their ports, the app's variable names against the
// config module, and the search attributes against the list the workflows use.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { configSchema, parseConfig } from '../../config/index.ts';
import { metricNames } from '../../config/metrics.ts';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.ts';

type Service = {
  image?: string;
  build?: unknown;
  ports?: string[];
  environment?: Record<string, string>;
  command?: string[] | string;
  volumes?: string[];
};
const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as { services: Record<string, Service> };
const s = compose.services;

describe('docker-compose.yml', () => {
  it('has every service of the production-like stack', () => {
    expect(Object.keys(s).sort()).toEqual([
      'api',
      'freeswitch',
      'grafana',
      'mongodb',
      'postgresql',
      'prometheus',
      'temporal',
      'temporal-setup',
      'temporal-ui',
      'worker',
    ]);
    expect(s.mongodb!.image).toMatch(/^mongo:7/);
    expect(s.freeswitch!.image).toMatch(/freeswitch/);
    expect(s.api!.build).toBe('.');
    expect(s.worker!.build).toBe('.');
  });

  it('publishes the ports people and the app use', () => {
    expect(s.api!.ports).toContain('3000:3000');
    expect(s.temporal!.ports).toContain('7233:7233');
    expect(s['temporal-ui']!.ports).toContain('8233:8080');
    expect(s.mongodb!.ports).toContain('27017:27017');
    expect(s.freeswitch!.ports).toContain('8021:8021');
  });

  it('gives the API and worker only variables the config module knows, and a valid configuration', () => {
    const known = new Set(Object.keys(configSchema.shape));
    for (const name of ['api', 'worker']) {
      const env = s[name]!.environment!;
      for (const key of Object.keys(env)) expect(known, `${name}: ${key}`).toContain(key);
      const resolved = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/, '$1')]));
      const config = parseConfig(resolved);
      expect(config.MONGODB_URI).toBe('mongodb://mongodb:27017/');
      expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
      expect(config.eslNodes).toEqual([{ name: 'freeswitch:8021', host: 'freeswitch', port: 8021, password: 'ClueCon' }]);
    }
    expect(s.api!.environment!.API_HOST).toBe('0.0.0.0');
  });

  it('registers every search attribute the workflows use', () => {
    const cmd = ([] as string[]).concat(s['temporal-setup']!.command!).join(' ');
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) expect(cmd).toContain(`${name}=${type}`);
  });

  it('mounts an Event Socket config that listens on all interfaces', () => {
    const xml = readFileSync('deploy/freeswitch/event_socket.conf.xml', 'utf8');
    expect(xml).toContain('name="listen-ip" value="0.0.0.0"');
    expect(xml).toContain('name="listen-port" value="8021"');
  });
});

describe('Prometheus and Grafana (deploy/)', () => {
  const prom = parse(readFileSync('deploy/prometheus/prometheus.yml', 'utf8')) as {
    scrape_configs: Array<{ job_name: string; metrics_path?: string; static_configs: Array<{ targets: string[] }> }>;
  };
  const targets = prom.scrape_configs.flatMap((j) => j.static_configs.flatMap((c) => c.targets));

  it('scrapes the API, the worker and the Temporal SDK exporter where compose serves them', () => {
    const worker = s.worker!.environment!;
    expect(s.api!.environment!.API_PORT).toBe('3000');
    expect(targets).toContain('api:3000');
    expect(targets).toContain(`worker:${worker.WORKER_METRICS_PORT}`);
    expect(targets).toContain(`worker:${worker.TEMPORAL_SDK_METRICS_PORT}`);
    expect(worker.WORKER_METRICS_HOST).toBe('0.0.0.0');
    expect(s.prometheus!.image).toMatch(/^prom\/prometheus:v\d/);
    expect(s.prometheus!.volumes).toContain('./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
  });

  it('provisions Grafana with the Prometheus data source and the dashboard', () => {
    expect(s.grafana!.image).toMatch(/^grafana\/grafana:\d/);
    expect(s.grafana!.volumes).toEqual(
      expect.arrayContaining([
        './deploy/grafana/provisioning:/etc/grafana/provisioning:ro',
        './deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro',
      ]),
    );
    const ds = parse(readFileSync('deploy/grafana/provisioning/datasources/prometheus.yml', 'utf8')) as {
      datasources: Array<{ uid: string; url: string }>;
    };
    expect(ds.datasources[0]).toMatchObject({ uid: 'prometheus', url: 'http://prometheus:9090' });
    const provider = parse(readFileSync('deploy/grafana/provisioning/dashboards/campaign-runner.yml', 'utf8')) as {
      providers: Array<{ options: { path: string } }>;
    };
    expect(provider.providers[0]!.options.path).toBe('/var/lib/grafana/dashboards');
  });

  it("the dashboard's queries name only metrics the product exports, and show each of them", () => {
    const dash = JSON.parse(readFileSync('deploy/grafana/dashboards/campaign-runner.json', 'utf8')) as {
      uid: string;
      panels: Array<{ targets?: Array<{ expr: string; datasource: { uid: string } }> }>;
    };
    const exprs = dash.panels.flatMap((p) => p.targets ?? []);
    expect(exprs.length).toBeGreaterThan(20);
    for (const t of exprs) expect(t.datasource.uid).toBe('prometheus');
    const used = new Set(
      exprs.flatMap((t) => [...t.expr.matchAll(/\b(campaign_runner_\w+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, ''))),
    );
    const known = new Set(metricNames());
    for (const name of used) expect(known, name).toContain(name);
    for (const name of known) expect(used, `${name} is on no panel`).toContain(name);
  });
});

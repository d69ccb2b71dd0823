# Merger of bench/compare-mitogen: reads the JSON of bench/mitogen_bench.py and of `./jitogen bench --json`,
# prints a header about this machine and one Markdown table (both medians, Jitogen's advantage, the target),
# and optionally writes the merged result as JSON.
# Usage: /usr/bin/python3 bench/compare.py MITOGEN.json JITOGEN.json [--json OUT]
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

# name -> target; the table lists these first, in this order, then any other metric either side reports.
TARGETS = {
    'cold_start_first_call_ms': ('<=', 80),
    'child_cpu_first_reply_ms': ('<=', 70),
    'noop_call_rtt_us': ('<=', 20),
    'async_noop_calls_per_s': ('>=', 400000),
    'echo_8MiB_MBps': ('>=', 1500),
    'fanout_20_local_s': ('<=', 1.0),
    'child_rss_mb': ('<=', 38),
    'two_hop_noop_rtt_us': ('<=', 40),
    'ssh_cold_start_first_call_ms': ('<=', 200),
    'ssh_cold_start_shaped_ms': ('<', 'Mitogen'),
    'ssh_noop_rtt_us': ('<=', 60),
    'first_call_round_trips_50_classes': ('<=', 2),
    'boot_bytes_ssh': ('<=', 60000),
    'put_256MiB_MBps': ('>=', 1000),
    'get_256MiB_MBps': ('>=', 1000),
    'put_256MiB_ssh_MBps': ('>=', 'scp'),
    'get_256MiB_ssh_MBps': ('>=', 'scp'),
    'push_10_via_one_bytes_ratio': ('<=', 1.0),
}
NONE = '—'


def fmt(v):
    if v is None:
        return NONE
    if abs(v) >= 1000:
        return '{:,.0f}'.format(v)
    if float(v).is_integer():
        return '%d' % v
    return '%.3g' % v if abs(v) < 1 else '%.*f' % (0 if abs(v) >= 100 else 1 if abs(v) >= 10 else 2, v)


def unit(u):
    return 'µs' if u == 'us' else u


def advantage(better, m, j):
    """How many times better Jitogen's median is than Mitogen's (> 1: Jitogen is better)."""
    if m is None or j is None or m <= 0 or j <= 0:
        return None
    return j / m if better == 'higher' else m / j


def machine():
    def first(path, key):
        try:
            with open(path) as f:
                return next((line.split(':', 1)[1].strip() for line in f if line.startswith(key)), None)
        except OSError:
            return None
    try:
        java = subprocess.run(['java', '-version'], capture_output=True, text=True).stderr.splitlines()[0]
    except (OSError, IndexError):
        java = 'no java on PATH'
    mem = first('/proc/meminfo', 'MemTotal')
    return {
        'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
        'os': ' '.join(os.uname()[i] for i in (0, 2, 4)),  # uname -srm
        'cpu': first('/proc/cpuinfo', 'model name') or platform.processor() or 'unknown',
        'cores': os.cpu_count(),
        'memory': '%.1f GiB' % (int(mem.split()[0]) / 1024 ** 2) if mem else 'unknown',
        'java': java,
        'python': '%s (%s)' % (platform.python_version(), sys.executable),
    }


def merge(mitogen, jitogen):
    sides = {'mitogen': {m['name']: m for m in mitogen['metrics']},
             'jitogen': {m['name']: m for m in jitogen['metrics']}}
    names = list(TARGETS) + [n for side in sides.values() for n in side if n not in TARGETS]
    rows = []
    for name in dict.fromkeys(names):
        m, j = sides['mitogen'].get(name), sides['jitogen'].get(name)
        if m is None and j is None:
            continue
        if m and j and (unit(m['unit']), m['better']) != (unit(j['unit']), j['better']):
            print('compare: %s: Mitogen reports %s (%s is better), Jitogen %s (%s is better)'
                  % (name, m['unit'], m['better'], j['unit'], j['better']), file=sys.stderr)
        ref = j or m
        stats = lambda x: {k: x[k] for k in ('min', 'median', 'max')} if x else None
        rows.append({'name': name, 'unit': unit(ref['unit']), 'better': ref['better'],
                     'target': dict(zip(('op', 'value'), TARGETS[name])) if name in TARGETS else None,
                     'mitogen': stats(m), 'jitogen': stats(j),
                     'advantage': advantage(ref['better'], m and m['median'], j and j['median'])})
    return rows


def table(rows):
    head = ['metric', 'unit', 'Mitogen median', 'Jitogen median', 'Jitogen advantage', 'target']
    body = [['`%s`' % r['name'], r['unit'],
             fmt(r['mitogen'] and r['mitogen']['median']), fmt(r['jitogen'] and r['jitogen']['median']),
             NONE if r['advantage'] is None else '%.*fx' % (1 if r['advantage'] >= 1 else 2, r['advantage']),
             '%s %s' % ({'<=': '≤', '>=': '≥', '<': '<'}[r['target']['op']],
                         r['target']['value'] if isinstance(r['target']['value'], str) else fmt(r['target']['value'])) if r['target'] else '']
            for r in rows]
    widths = [max(len(row[i]) for row in [head] + body) for i in range(len(head))]
    line = lambda cells: '| ' + ' | '.join(c.ljust(w) if i < 2 else c.rjust(w)
                                           for i, (c, w) in enumerate(zip(cells, widths))) + ' |'
    rule = '|' + '|'.join('-' * (w + 1) + (':' if i >= 2 else '-') for i, w in enumerate(widths)) + '|'
    return '\n'.join([line(head), rule] + [line(b) for b in body])


def main():
    p = argparse.ArgumentParser()
    p.add_argument('mitogen')
    p.add_argument('jitogen')
    p.add_argument('--json', metavar='OUT')
    a = p.parse_args()
    docs = []
    for path in (a.mitogen, a.jitogen):
        with open(path) as f:
            docs.append(json.load(f))
    mitogen, jitogen = docs
    host = machine()
    rows = merge(mitogen, jitogen)
    runs = str(mitogen['runs']) if mitogen['runs'] == jitogen['runs'] else \
        '%s (Mitogen), %s (Jitogen)' % (mitogen['runs'], jitogen['runs'])
    print('Mitogen %s vs Jitogen %s, %s\n' % (mitogen['version'], jitogen.get('version', '?'), host['date']))
    print('- Machine: %s; %s, %s cores, %s memory' % (host['os'], host['cpu'], host['cores'], host['memory']))
    print('- Java: %s' % host['java'])
    print('- Python: %s, Mitogen %s' % (host['python'], mitogen['version']))
    print('- Runs: %s per metric; medians; advantage = how many times better Jitogen is '
          '(Mitogen/Jitogen where lower is better, Jitogen/Mitogen where higher is better)\n' % runs)
    print(table(rows))
    if a.json:
        with open(a.json, 'w') as f:
            json.dump({'machine': host, 'runs': {'mitogen': mitogen['runs'], 'jitogen': jitogen['runs']},
                       'versions': {'mitogen': mitogen['version'], 'jitogen': jitogen.get('version')},
                       'metrics': rows}, f, indent=1, ensure_ascii=False)
            f.write('\n')


if __name__ == '__main__':
    main()

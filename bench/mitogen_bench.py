# Mitogen side of bench/compare-mitogen: runs the benchmark workloads of `./jitogen bench` on Mitogen
# (Debian's python3-mitogen) and prints the results as JSON on stdout; progress goes to stderr.
# Usage: /usr/bin/python3 bench/mitogen_bench.py [--runs N] [--async-calls N] [--file-runs N] [--ssh-port P --ssh-key FILE]
#        [--ssh-shaped-port P]
import argparse
import json
import os
import statistics
import sys
import threading
import time

import mitogen
import mitogen.core
import mitogen.master
import mitogen.service

MiB = 1024 * 1024


# Called in the children: must be module-level functions of this script (Mitogen ships __main__ to them).
def noop():
    return None


def echo(x):
    return x


@mitogen.core.takes_router
def fetch_file(context, path, out, router):
    """In the receiving context: Mitogen's FileService.get of `path` from `context` into `out`, written as
    RemoteFiles writes (a temporary file, fsync, rename). Mitogen checks the size, not a hash: no SHA-256 here."""
    with open(out + '.tmp', 'wb') as fp:
        ok, _ = mitogen.service.FileService.get(context, path, fp)
        fp.flush()
        os.fsync(fp.fileno())
    if not ok:
        os.unlink(out + '.tmp')
        raise IOError('FileService.get of %s was cut short' % path)
    os.rename(out + '.tmp', out)


@mitogen.core.takes_router
def serve_file(path, router):
    """In a child: registers `path` with the child's own FileService, so that its parent can fetch it."""
    mitogen.service.get_or_create_pool(router=router).get_service('mitogen.service.FileService').register(path)


def make_temp_dir():
    import tempfile
    return tempfile.mkdtemp(prefix='mitogen-bench-')


def remove_tree(path):
    import shutil
    shutil.rmtree(path, ignore_errors=True)


def file_rows(router, ctx, runs, suffix, label, size=256 * MiB):
    """put_256MiB{suffix}_MBps and get_256MiB{suffix}_MBps as ./jitogen bench measures them, with Mitogen's
    FileService: the child pulls a sparse file the master registered, then the master pulls it back from the
    child's FileService."""
    local_dir = make_temp_dir()
    remote_dir = ctx.call(make_temp_dir)
    try:
        src = os.path.join(local_dir, 'file')
        with open(src, 'wb') as f:
            f.truncate(size)
        files = mitogen.service.get_or_create_pool(router=router).get_service('mitogen.service.FileService')
        files.register(src)
        me = mitogen.core.Context(router, mitogen.context_id)
        copy = remote_dir + '/copy'
        puts, gets = [], []
        for r in range(runs):
            log('%s files run %d/%d' % (label, r + 1, runs))
            t = time.perf_counter()
            ctx.call(fetch_file, me, src, copy)
            puts.append(size / 1e6 / (time.perf_counter() - t))
            ctx.call(serve_file, copy)
            t = time.perf_counter()
            fetch_file(ctx, copy, os.path.join(local_dir, 'back'), router=router)
            gets.append(size / 1e6 / (time.perf_counter() - t))
        return [metric('put_256MiB%s_MBps' % suffix, 'MB/s', 'higher', puts),
                metric('get_256MiB%s_MBps' % suffix, 'MB/s', 'higher', gets)]
    finally:
        ctx.call(remove_tree, remote_dir)
        remove_tree(local_dir)


def log(msg):
    print('mitogen_bench: ' + msg, file=sys.stderr, flush=True)


def metric(name, unit, better, values):
    return {'name': name, 'unit': unit, 'better': better,
            'min': min(values), 'median': statistics.median(values), 'max': max(values)}


def mean_rtt_us(ctx, warm=200, n=1000):
    for _ in range(warm):
        ctx.call(noop)
    t = time.perf_counter()
    for _ in range(n):
        ctx.call(noop)
    return (time.perf_counter() - t) / n * 1e6


def close(*contexts):
    for c in contexts:
        c.shutdown(wait=True)


def cold_and_rtt(open_ctx, runs, label, rtt=True):
    """Per run: (ms from open_ctx() to the first call's return, mean no-op round trip in us) on a fresh context.
    open_ctx returns (target, contexts to shut down afterwards, innermost first). rtt=False: the cold starts only."""
    target, owned = open_ctx()  # warm the master for this kind of context
    target.call(noop)
    close(*owned)
    cold, rtts = [], []
    for r in range(runs):
        log('%s run %d/%d' % (label, r + 1, runs))
        t = time.perf_counter()
        target, owned = open_ctx()
        target.call(noop)
        cold.append((time.perf_counter() - t) * 1e3)
        if rtt:
            rtts.append(mean_rtt_us(target))
        close(*owned)
    return cold, rtts


def async_calls_per_s(ctx, n):
    t = time.perf_counter()
    receivers = [ctx.call_async(noop) for _ in range(n)]
    for recv in receivers:
        recv.get().unpickle()
    return n / (time.perf_counter() - t)


def echo_mbps(ctx, data):
    ctx.call(echo, data)  # warm-up
    t = time.perf_counter()
    for _ in range(3):
        ctx.call(echo, data)
    return 2 * len(data) / 1e6 / ((time.perf_counter() - t) / 3)


def fanout_s(router, n=20):
    contexts, errors = [], []

    def one():
        try:
            c = router.local()
            c.call(noop)
            contexts.append(c)
        except Exception as e:  # reported after the join, so that no thread is left behind
            errors.append(e)

    threads = [threading.Thread(target=one) for _ in range(n)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t
    close(*contexts)
    if errors:
        raise errors[0]
    return elapsed


def child_rss_mb(router):
    c = router.local()
    pid = c.call(os.getpid)
    with open('/proc/%d/status' % pid) as f:
        kb = next(int(line.split()[1]) for line in f if line.startswith('VmRSS:'))
    close(c)
    return kb / 1024


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--runs', type=int, default=15)
    p.add_argument('--async-calls', type=int, default=10000)
    p.add_argument('--ssh-port', type=int)
    p.add_argument('--ssh-key')
    p.add_argument('--ssh-shaped-port', type=int,
                   help="the same sshd through ./jitogen bench --shaped-link (2 Mbit/s, 40 ms round trip)")
    p.add_argument('--file-runs', type=int, default=5, help='runs of the 256 MiB file rows (at most --runs)')
    a = p.parse_args()
    runs = a.runs
    broker = mitogen.master.Broker()
    router = mitogen.master.Router(broker)
    try:
        out = []
        cold, rtt = cold_and_rtt(lambda: (lambda c: (c, [c]))(router.local()), runs, 'local')
        out += [metric('cold_start_first_call_ms', 'ms', 'lower', cold),
                metric('noop_call_rtt_us', 'us', 'lower', rtt)]

        ctx = router.local()
        ctx.call(noop)
        values = []
        for r in range(runs):
            log('async run %d/%d' % (r + 1, runs))
            values.append(async_calls_per_s(ctx, a.async_calls))
        out.append(metric('async_noop_calls_per_s', 'calls/s', 'higher', values))

        data = os.urandom(8 * MiB)
        if ctx.call(echo, data) != data:
            raise SystemExit('mitogen_bench: echo returned different bytes')
        values = []
        for r in range(runs):
            log('echo run %d/%d' % (r + 1, runs))
            values.append(echo_mbps(ctx, data))
        out.append(metric('echo_8MiB_MBps', 'MB/s', 'higher', values))
        close(ctx)

        values = []
        for r in range(runs):
            log('fanout run %d/%d' % (r + 1, runs))
            values.append(fanout_s(router))
        out.append(metric('fanout_20_local_s', 's', 'lower', values))

        values = []
        for r in range(runs):
            log('rss run %d/%d' % (r + 1, runs))
            values.append(child_rss_mb(router))
        out.append(metric('child_rss_mb', 'MB', 'lower', values))

        def two_hop():
            via = router.local()
            c = router.local(via=via)
            return c, [c, via]
        _, rtt = cold_and_rtt(two_hop, runs, 'two-hop')
        out.append(metric('two_hop_noop_rtt_us', 'us', 'lower', rtt))

        files_runs = min(runs, a.file_runs)
        ctx = router.local()
        out += file_rows(router, ctx, files_runs, '', 'local')
        close(ctx)

        if a.ssh_port:
            def ssh():
                c = router.ssh(hostname='127.0.0.1', port=a.ssh_port, username='root', identity_file=a.ssh_key,
                               check_host_keys='ignore', python_path='/usr/bin/python3')
                return c, [c]
            cold, rtt = cold_and_rtt(ssh, runs, 'ssh')
            out += [metric('ssh_cold_start_first_call_ms', 'ms', 'lower', cold),
                    metric('ssh_noop_rtt_us', 'us', 'lower', rtt)]
            ctx, owned = ssh()
            out += file_rows(router, ctx, files_runs, '_ssh', 'ssh')
            close(*owned)
        if a.ssh_shaped_port:
            def shaped():
                c = router.ssh(hostname='127.0.0.1', port=a.ssh_shaped_port, username='root',
                               identity_file=a.ssh_key, check_host_keys='ignore', python_path='/usr/bin/python3')
                return c, [c]
            cold, _ = cold_and_rtt(shaped, runs, 'ssh shaped', rtt=False)
            out.append(metric('ssh_cold_start_shaped_ms', 'ms', 'lower', cold))
    finally:
        broker.shutdown()
        broker.join()
    version = '.'.join(map(str, mitogen.__version__))
    json.dump({'tool': 'mitogen', 'version': version, 'runs': runs, 'async_calls': a.async_calls,
               'metrics': out}, sys.stdout, indent=1)
    print()


if __name__ == '__main__':
    main()

"""Drives one Jitogen kernel as Jupyter would, for KernelTest: jupyter_client starts it from the kernelspec found on
JUPYTER_PATH, nbclient executes the notebooks given, then an interrupt and forged messages are tried. Writes what it
saw as JSON to the file named first; the test asserts on that. Usage:
    kernel_driver.py RESULT.json MARKER_FILE NOTEBOOK.ipynb...
"""
import asyncio
import json
import sys
import time

import nbformat
import zmq
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.session import Session
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

TIMEOUT = 120  # seconds: a loaded 2-core machine is slow, never this slow


async def outputs_of(kc, msg_id):
    """The stream, execute_result and error messages of one request, until the kernel is idle again."""
    seen = []
    while True:
        m = await kc.get_iopub_msg(timeout=TIMEOUT)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        t = m["msg_type"]
        if t in ("stream", "execute_result", "error"):
            seen.append({"type": t, **m["content"]})
        if t == "status" and m["content"]["execution_state"] == "idle":
            return seen


async def reply_to(kc, msg_id):
    """The reply to one request (wait_for_ready may leave a second kernel_info_reply before it)."""
    while True:
        m = await kc.get_shell_msg(timeout=TIMEOUT)
        if m["parent_header"].get("msg_id") == msg_id:
            return m["content"]


async def execute(kc, code):
    msg_id = kc.execute(code)
    outputs = await outputs_of(kc, msg_id)
    return await reply_to(kc, msg_id), outputs


async def main(result_path, marker, notebooks):
    result = {"notebooks": {}, "phases": {}}
    last = [time.monotonic()]

    def phase(name):
        now = time.monotonic()
        result["phases"][name] = now - last[0]
        last[0] = now

    km = AsyncKernelManager(kernel_name="jitogen")
    await km.start_kernel()
    try:
        kc = km.client()
        kc.start_channels()
        started = time.monotonic()
        kc.kernel_info()
        info = await kc.get_shell_msg(timeout=TIMEOUT)
        result["kernel_info_seconds"] = time.monotonic() - started
        result["kernel_info"] = info["content"]
        phase("start")

        for path in notebooks:
            nb = nbformat.read(path, as_version=4)
            client = NotebookClient(nb, km=km, timeout=TIMEOUT, kernel_name="jitogen")
            started = time.monotonic()
            entry = {}
            try:
                await client.async_execute()
            except CellExecutionError as e:
                entry["failure"] = str(e)
            entry["seconds"] = time.monotonic() - started
            if client.kc is not None:
                client.kc.stop_channels()
            entry["cells"] = [{"source": c.source, "outputs": c.get("outputs", [])}
                              for c in nb.cells if c.cell_type == "code"]
            result["notebooks"][path] = entry
            phase(path)

        # Clients of one KernelManager share its identity: the newest connection gets the replies.
        kc.stop_channels()
        kc = km.client()
        kc.start_channels()
        await kc.wait_for_ready(timeout=TIMEOUT)

        # Interrupt: a cell waiting on a remote Thread.sleep, interrupted as Jupyter's Interrupt button does
        # (interrupt_request on the control channel: the kernelspec says "interrupt_mode": "message").
        msg_id = kc.execute("local.call(() -> { Thread.sleep(60000); return 1; })")
        while True:
            m = await kc.get_iopub_msg(timeout=TIMEOUT)
            if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "execute_input":
                break
        await asyncio.sleep(1)  # the call is on its way to the context, or running there
        started = time.monotonic()
        await km.interrupt_kernel()
        outputs = await outputs_of(kc, msg_id)
        reply = await reply_to(kc, msg_id)
        result["interrupt"] = {"seconds": time.monotonic() - started, "reply": reply, "outputs": outputs}
        reply, outputs = await execute(kc, "local.call(() -> 1 + 1)")
        result["after_interrupt"] = {"reply": reply, "outputs": outputs}
        phase("interrupt")

        # Forged messages: signed with another key, and signed right but changed after signing. Neither may run:
        # each would write the marker file.
        info = km.get_connection_info()
        forged = zmq.Context.instance().socket(zmq.DEALER)
        forged.connect("tcp://%s:%d" % (info["ip"], info["shell_port"]))
        code = 'java.nio.file.Files.writeString(java.nio.file.Path.of("%s"), "ran")' % marker
        content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": True}
        Session(key=b"not-the-key-of-the-connection-file").send(forged, "execute_request", content=content)
        right = Session(key=info["key"], signature_scheme=info["signature_scheme"])
        msg = right.msg("execute_request", content={**content, "code": "/* signed */ 1"})
        frames = right.serialize(msg)  # [<IDS|MSG>, signature, header, parent, metadata, content]
        frames[-1] = json.dumps(content).encode()  # the content changed after signing
        forged.send_multipart(frames)
        reply, outputs = await execute(kc, 'java.nio.file.Files.exists(java.nio.file.Path.of("%s"))' % marker)
        result["after_forged"] = {"reply": reply, "outputs": outputs}
        # the kernel takes shell messages in order: had it answered either, the answer would be here by now
        result["forged_replies"] = forged.poll(200)
        forged.close(0)

        result["complete"] = await reply_to(kc, kc.complete("local.ca", 8))
        result["inspect"] = await reply_to(kc, kc.inspect("/local w9\nString.valueOf", 24))
        result["is_complete"] = [(await reply_to(kc, kc.is_complete(code)))["status"]
                                 for code in ("/local w9\nvoid f() {", "/local w9\nvoid f() {}")]
        kc.stop_channels()
        phase("forged, complete")
    finally:
        await km.shutdown_kernel()
        phase("shutdown")
    result["alive_after_shutdown"] = await km.is_alive()
    with open(result_path, "w") as f:
        json.dump(result, f, indent=1, default=str)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:]))

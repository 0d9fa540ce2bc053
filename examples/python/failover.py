"""The failover story of `cargo run -p link-core --example failover`, driven from Python
through the C ABI's shared library and ctypes (no package to install): an HA primary
with three links selects the best one, loses it, is switched to backup by the
Management Layer, and reconnects after the link restart timeout to the
highest-priority links only. It prints what the Rust example prints, byte for byte
(CI compares them).

Run (from the repository root):
    cargo build --release -p link-core-ffi
    python3 examples/python/failover.py target/release/liblink_core_ffi.so
"""

import ctypes
import sys
from ctypes import POINTER, Structure, byref, c_bool, c_char_p, c_int32, c_size_t
from ctypes import c_uint16, c_uint32, c_uint64, c_void_p

# Constants of include/linkpilot.h.
STATUS_OK = 0
EVENT_START, EVENT_TCP_ACCEPTED, EVENT_TCP_REFUSED, EVENT_TCP_CLOSED = 0, 1, 2, 3
EVENT_ASSOCIATION_ACCEPTED, EVENT_SYSTEM_STATUS = 4, 6
EVENT_TIMER_EXPIRED, EVENT_ROLE_CHANGED = 9, 10
ROLE_PRIMARY, ROLE_BACKUP = 1, 2
SYSTEM_STATUS_NORMAL = 2
MAX_ACTIONS = 64


class Event(Structure):
    """`LpEvent`: an input for `lp_core_step`."""

    _fields_ = [
        ("kind", c_uint32),
        ("link", c_uint16),
        ("generation", c_uint32),
        ("status", c_uint32),
        ("timer", c_uint32),
        ("role", c_uint32),
        ("priority", c_int32),
        ("has_priority", c_bool),
        ("option", c_uint32),
        ("option_value", c_uint64),
    ]


class Action(Structure):
    """`LpAction`: one action the core asks for."""

    _fields_ = [
        ("kind", c_uint32),
        ("link", c_uint16),
        ("generation", c_uint32),
        ("timer", c_uint32),
        ("at_ns", c_uint64),
        ("close_reason", c_uint32),
        ("client_event", c_uint32),
        ("log_number", c_uint32),
    ]


def load(path):
    """The shared library, with the signatures this example calls."""
    lib = ctypes.CDLL(path)
    signatures = {
        "lp_config_new": ([], c_void_p),
        "lp_config_free": ([c_void_p], None),
        "lp_config_add_link": ([c_void_p, c_char_p, c_int32, c_bool], c_uint32),
        "lp_config_set_role": ([c_void_p, c_uint32], c_uint32),
        "lp_config_set_keepalive": ([c_void_p, c_uint64, ctypes.c_uint8], c_uint32),
        "lp_core_new": ([c_void_p, POINTER(c_void_p)], c_uint32),
        "lp_core_free": ([c_void_p], None),
        "lp_core_step": (
            [c_void_p, c_uint64, POINTER(Event), POINTER(Action), c_size_t,
             POINTER(c_size_t), POINTER(c_bool)],
            c_uint32,
        ),
        "lp_core_next_deadline": ([c_void_p, POINTER(c_uint64), POINTER(c_uint32)], c_bool),
        "lp_core_connection": ([c_void_p, c_uint16, POINTER(c_uint32)], c_bool),
        "lp_core_active_link": ([c_void_p], c_int32),
        "lp_core_action_text": ([c_void_p, c_size_t, ctypes.c_char_p, c_size_t], c_size_t),
        "lp_core_event_text": ([c_void_p, POINTER(Event), ctypes.c_char_p, c_size_t], c_size_t),
        "lp_time_text": ([c_uint64, ctypes.c_char_p, c_size_t], c_size_t),
        "lp_core_link_id": ([c_void_p, c_char_p], c_int32),
        "lp_core_link_name": ([c_void_p, c_uint16, ctypes.c_char_p, c_size_t], c_size_t),
    }
    for name, (args, result) in signatures.items():
        function = getattr(lib, name)
        function.argtypes = args
        function.restype = result
    return lib


def check(status, what):
    if status != STATUS_OK:
        sys.exit(f"{what} failed: status {status}")


def ms(n):
    return n * 1_000_000


class Runtime:
    """The example's tiny runtime: the core and the time of the last input."""

    def __init__(self, lib):
        self.lib = lib
        self.now_ns = 0
        config = lib.lp_config_new()
        if not config:
            sys.exit("lp_config_new failed")
        for name, priority in [(b"CSTA_A", 10), (b"CSTA_B", 10), (b"CSTA_C", 5)]:
            check(lib.lp_config_add_link(config, name, priority, True), "add link")
        check(lib.lp_config_set_role(config, ROLE_PRIMARY), "role")
        # Keep-alive (R14) off: this printout jumps over idle time.
        check(lib.lp_config_set_keepalive(config, 0, 0), "keep-alive")
        core = c_void_p()
        check(lib.lp_core_new(config, byref(core)), "core")
        lib.lp_config_free(config)
        self.core = core

    def text(self, call, *args):
        buf = ctypes.create_string_buffer(512)
        call(*args, buf, len(buf))
        return buf.value.decode()

    def feed(self, at_ns, event):
        """Feeds one input at `at_ns` and prints it with its actions."""
        lib = self.lib
        self.now_ns = at_ns
        at = self.text(lib.lp_time_text, at_ns)
        print(f"{at:>8}  {self.text(lib.lp_core_event_text, self.core, byref(event))}")
        actions = (Action * MAX_ACTIONS)()
        length = c_size_t(0)
        status = lib.lp_core_step(self.core, at_ns, byref(event), actions, MAX_ACTIONS,
                                  byref(length), None)
        check(status, "step")
        for i in range(length.value):
            print(f"{'':>8}    -> {self.text(lib.lp_core_action_text, self.core, i)}")

    def on(self, name, kind):
        """An event on link `name`'s open connection."""
        link = self.lib.lp_core_link_id(self.core, name)
        generation = c_uint32(0)
        if link < 0 or not self.lib.lp_core_connection(self.core, link, byref(generation)):
            sys.exit(f"{name.decode()} has no open connection")
        return Event(kind=kind, link=link, generation=generation.value)

    def fire_next_timer(self):
        at_ns, timer = c_uint64(0), c_uint32(0)
        if not self.lib.lp_core_next_deadline(self.core, byref(at_ns), byref(timer)):
            sys.exit("no timer armed")
        self.feed(at_ns.value, Event(kind=EVENT_TIMER_EXPIRED, timer=timer.value))


def status(event, value):
    return Event(kind=EVENT_SYSTEM_STATUS, link=event.link, generation=event.generation,
                 status=value)


def with_kind(event, kind):
    return Event(kind=kind, link=event.link, generation=event.generation)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "target/release/liblink_core_ffi.so"
    rt = Runtime(load(path))

    print("== start as primary: open every link (R1)")
    rt.feed(ms(0), Event(kind=EVENT_START))
    a = rt.on(b"CSTA_A", EVENT_TCP_ACCEPTED)
    b = rt.on(b"CSTA_B", EVENT_TCP_ACCEPTED)
    c = rt.on(b"CSTA_C", EVENT_TCP_ACCEPTED)
    rt.feed(ms(10), a)
    rt.feed(ms(12), b)
    rt.feed(ms(15), c)
    rt.feed(ms(40), with_kind(c, EVENT_ASSOCIATION_ACCEPTED))
    print("== CSTA_C (priority 5) is operational but must wait for the priority-10 links (R7)")
    rt.feed(ms(41), status(c, SYSTEM_STATUS_NORMAL))
    rt.feed(ms(60), with_kind(a, EVENT_ASSOCIATION_ACCEPTED))
    rt.feed(ms(80), with_kind(b, EVENT_ASSOCIATION_ACCEPTED))
    print("== CSTA_B reports normal first: it wins the tie (R6) and is selected (R7)")
    rt.feed(ms(95), status(b, SYSTEM_STATUS_NORMAL))

    print("== CSTA_B's connector dies (R10)")
    failed_at = ms(30000)
    rt.feed(failed_at, with_kind(b, EVENT_TCP_CLOSED))
    rt.feed(failed_at + ms(200), Event(kind=EVENT_ROLE_CHANGED, role=ROLE_BACKUP))

    print("== after the link restart timeout a backup opens only the highest links (R2, R10)")
    rt.fire_next_timer()
    a = rt.on(b"CSTA_A", EVENT_TCP_ACCEPTED)
    b = rt.on(b"CSTA_B", EVENT_TCP_REFUSED)
    t = rt.now_ns
    rt.feed(t + ms(5), b)
    rt.feed(t + ms(10), a)
    rt.feed(t + ms(30), with_kind(a, EVENT_ASSOCIATION_ACCEPTED))
    rt.feed(t + ms(35), status(a, SYSTEM_STATUS_NORMAL))

    active = rt.lib.lp_core_active_link(rt.core)
    name = "none"
    if active >= 0:
        name = rt.text(rt.lib.lp_core_link_name, rt.core, active)
    print(f"== active link at {rt.text(rt.lib.lp_time_text, rt.now_ns)}: {name}")
    rt.lib.lp_core_free(rt.core)


if __name__ == "__main__":
    main()

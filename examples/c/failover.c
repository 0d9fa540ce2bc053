/* The failover story of `cargo run -p link-core --example failover`, driven from C
 * through the C ABI (include/linkpilot.h): an HA primary with three links selects the
 * best one, loses it, is switched to backup by the Management Layer, and reconnects
 * after the link restart timeout to the highest-priority links only. It prints what
 * the Rust example prints, byte for byte (CI compares them).
 *
 * Build (from the repository root):
 *   cargo build --release -p link-core-ffi
 *   cc -std=c11 -Wall -Wextra -Iinclude examples/c/failover.c \
 *      target/release/liblink_core_ffi.a -lpthread -ldl -lm -o target/failover-c
 */
#include <stdio.h>
#include <stdlib.h>

#include "linkpilot.h"

#define MS(x) ((uint64_t)(x) * 1000000u)
#define MAX_ACTIONS 64

/* The example's tiny runtime: the core and the time of the last input. */
typedef struct Runtime {
    LpCore *core;
    uint64_t now_ns;
} Runtime;

static void check(LpStatus status, const char *what) {
    if (status != LP_STATUS_OK) {
        fprintf(stderr, "%s failed: status %d\n", what, (int)status);
        exit(1);
    }
}

/* Feeds one input at `at_ns` and prints it with its actions. */
static void feed(Runtime *rt, uint64_t at_ns, LpEvent event) {
    char at[32], text[512];
    LpAction actions[MAX_ACTIONS];
    size_t len = 0;
    rt->now_ns = at_ns;
    lp_time_text(at_ns, at, sizeof at);
    lp_core_event_text(rt->core, &event, text, sizeof text);
    printf("%8s  %s\n", at, text);
    check(lp_core_step(rt->core, at_ns, &event, actions, MAX_ACTIONS, &len, NULL), "step");
    for (size_t i = 0; i < len; i++) {
        lp_core_action_text(rt->core, i, text, sizeof text);
        printf("%8s    -> %s\n", "", text);
    }
}

/* An event on link `name`'s open connection. */
static LpEvent on(Runtime *rt, const char *name, LpEventKind kind) {
    LpEvent event = {0};
    int link = lp_core_link_id(rt->core, name);
    uint32_t generation = 0;
    if (link < 0 || !lp_core_connection(rt->core, (uint16_t)link, &generation)) {
        fprintf(stderr, "%s has no open connection\n", name);
        exit(1);
    }
    event.kind = (uint32_t)kind;
    event.link = (uint16_t)link;
    event.generation = generation;
    return event;
}

static LpEvent status(LpEvent event, LpSystemStatus value) {
    event.kind = LP_EVENT_KIND_SYSTEM_STATUS;
    event.status = (uint32_t)value;
    return event;
}

static LpEvent simple(LpEventKind kind) {
    LpEvent event = {0};
    event.kind = (uint32_t)kind;
    return event;
}

static void fire_next_timer(Runtime *rt) {
    uint64_t at_ns;
    uint32_t timer;
    if (!lp_core_next_deadline(rt->core, &at_ns, &timer)) {
        fprintf(stderr, "no timer armed\n");
        exit(1);
    }
    LpEvent event = simple(LP_EVENT_KIND_TIMER_EXPIRED);
    event.timer = timer;
    feed(rt, at_ns, event);
}

static LpCore *make_core(void) {
    LpConfig *config = lp_config_new();
    LpCore *core = NULL;
    if (config == NULL) {
        exit(1);
    }
    check(lp_config_add_link(config, "CSTA_A", 10, true), "add CSTA_A");
    check(lp_config_add_link(config, "CSTA_B", 10, true), "add CSTA_B");
    check(lp_config_add_link(config, "CSTA_C", 5, true), "add CSTA_C");
    check(lp_config_set_role(config, LP_ROLE_PRIMARY), "role");
    /* Keep-alive (R14) off: this printout jumps over idle time. */
    check(lp_config_set_keepalive(config, 0, 0), "keep-alive");
    check(lp_core_new(config, &core), "core");
    lp_config_free(config);
    return core;
}

int main(void) {
    Runtime rt = {make_core(), 0};

    printf("== start as primary: open every link (R1)\n");
    feed(&rt, MS(0), simple(LP_EVENT_KIND_START));
    LpEvent a = on(&rt, "CSTA_A", LP_EVENT_KIND_TCP_ACCEPTED);
    LpEvent b = on(&rt, "CSTA_B", LP_EVENT_KIND_TCP_ACCEPTED);
    LpEvent c = on(&rt, "CSTA_C", LP_EVENT_KIND_TCP_ACCEPTED);
    feed(&rt, MS(10), a);
    feed(&rt, MS(12), b);
    feed(&rt, MS(15), c);
    c.kind = LP_EVENT_KIND_ASSOCIATION_ACCEPTED;
    feed(&rt, MS(40), c);
    printf("== CSTA_C (priority 5) is operational but must wait for the priority-10 links (R7)\n");
    feed(&rt, MS(41), status(c, LP_SYSTEM_STATUS_NORMAL));
    a.kind = LP_EVENT_KIND_ASSOCIATION_ACCEPTED;
    b.kind = LP_EVENT_KIND_ASSOCIATION_ACCEPTED;
    feed(&rt, MS(60), a);
    feed(&rt, MS(80), b);
    printf("== CSTA_B reports normal first: it wins the tie (R6) and is selected (R7)\n");
    feed(&rt, MS(95), status(b, LP_SYSTEM_STATUS_NORMAL));

    printf("== CSTA_B's connector dies (R10)\n");
    uint64_t failed_at = MS(30000);
    b.kind = LP_EVENT_KIND_TCP_CLOSED;
    feed(&rt, failed_at, b);
    LpEvent backup = simple(LP_EVENT_KIND_ROLE_CHANGED);
    backup.role = LP_ROLE_BACKUP;
    feed(&rt, failed_at + MS(200), backup);

    printf("== after the link restart timeout a backup opens only the highest links (R2, R10)\n");
    fire_next_timer(&rt);
    a = on(&rt, "CSTA_A", LP_EVENT_KIND_TCP_ACCEPTED);
    b = on(&rt, "CSTA_B", LP_EVENT_KIND_TCP_REFUSED);
    uint64_t t = rt.now_ns;
    feed(&rt, t + MS(5), b);
    feed(&rt, t + MS(10), a);
    a.kind = LP_EVENT_KIND_ASSOCIATION_ACCEPTED;
    feed(&rt, t + MS(30), a);
    feed(&rt, t + MS(35), status(a, LP_SYSTEM_STATUS_NORMAL));

    char now[32], name[64] = "none";
    int active = lp_core_active_link(rt.core);
    if (active >= 0) {
        lp_core_link_name(rt.core, (uint16_t)active, name, sizeof name);
    }
    lp_time_text(rt.now_ns, now, sizeof now);
    printf("== active link at %s: %s\n", now, name);
    lp_core_free(rt.core);
    return 0;
}

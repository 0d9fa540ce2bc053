//! The C ABI from the caller's side: null and out-of-range arguments are typed errors,
//! every configuration and step error has its own status, a small action array is
//! reported (and the rest readable), texts are cut to the caller's buffer and
//! NUL-terminated. (examples/c/failover.c, run by CI, is the story end to end.)
#![allow(unsafe_code)]

use std::ffi::{c_char, CStr, CString};
use std::ptr::{null, null_mut};

use link_core_ffi::*;

fn config(links: &[(&str, i32)]) -> *mut LpConfig {
    let config = lp_config_new();
    assert!(!config.is_null());
    for (name, priority) in links {
        let name = CString::new(*name).unwrap();
        // SAFETY: a live config and a NUL-terminated name.
        assert_eq!(
            unsafe { lp_config_add_link(config, name.as_ptr(), *priority, true) },
            LpStatus::Ok
        );
    }
    config
}

fn core(config: *mut LpConfig) -> Result<*mut LpCore, LpStatus> {
    let mut core = null_mut();
    // SAFETY: a live config and a writable out pointer.
    let status = unsafe { lp_core_new(config, &mut core) };
    // SAFETY: the config is live and freed once.
    unsafe { lp_config_free(config) };
    match status {
        LpStatus::Ok => Ok(core),
        e => {
            assert!(core.is_null(), "no core on an error");
            Err(e)
        }
    }
}

fn event(kind: LpEventKind) -> LpEvent {
    LpEvent {
        kind: kind as u32,
        ..LpEvent::default()
    }
}

fn step(
    core: *mut LpCore,
    now_ns: u64,
    e: &LpEvent,
    capacity: usize,
) -> (LpStatus, usize, Vec<LpAction>) {
    let mut actions = vec![LpAction::default(); capacity];
    let mut len = 0;
    // SAFETY: a live core, a readable event, `capacity` writable actions.
    let status = unsafe {
        lp_core_step(
            core,
            now_ns,
            e,
            actions.as_mut_ptr(),
            capacity,
            &mut len,
            null_mut(),
        )
    };
    actions.truncate(len.min(capacity));
    (status, len, actions)
}

#[test]
fn null_and_out_of_range_arguments_are_errors() {
    let name = CString::new("A").unwrap();
    // SAFETY: every pointer is null or valid; the calls must check the nulls.
    unsafe {
        assert_eq!(
            lp_config_add_link(null_mut(), name.as_ptr(), 0, false),
            LpStatus::NullArgument
        );
        let config = config(&[]);
        assert_eq!(
            lp_config_add_link(config, null(), 0, false),
            LpStatus::NullArgument
        );
        assert_eq!(lp_config_set_role(config, 3), LpStatus::OutOfRange);
        assert_eq!(lp_config_set_first_status(config, 2), LpStatus::OutOfRange);
        assert_eq!(
            lp_config_set_status_verdict(config, 9, 0),
            LpStatus::OutOfRange
        );
        assert_eq!(
            lp_config_set_status_verdict(config, 0, 2),
            LpStatus::OutOfRange
        );
        let bad = [0xffu8, 0];
        assert_eq!(
            lp_config_add_link(config, bad.as_ptr().cast::<c_char>(), 0, false),
            LpStatus::InvalidUtf8
        );
        assert_eq!(lp_core_new(config, null_mut()), LpStatus::NullArgument);
        let mut out = null_mut();
        assert_eq!(lp_core_new(null(), &mut out), LpStatus::NullArgument);
        lp_config_free(config);
        lp_config_free(null_mut());
        lp_core_free(null_mut());
        let e = event(LpEventKind::Start);
        assert_eq!(
            lp_core_step(null_mut(), 0, &e, null_mut(), 0, null_mut(), null_mut()),
            LpStatus::NullArgument
        );
        assert_eq!(lp_core_active_link(null()), -1);
        assert_eq!(lp_core_action_text(null(), 0, null_mut(), 0), 0);
    }
    let core = core(config(&[("A", 1)])).unwrap();
    let (status, ..) = step(
        core,
        0,
        &LpEvent {
            kind: 99,
            ..LpEvent::default()
        },
        8,
    );
    assert_eq!(status, LpStatus::OutOfRange, "an event kind past the last");
    let timer = LpEvent {
        timer: 3,
        ..event(LpEventKind::TimerExpired)
    };
    assert_eq!(step(core, 0, &timer, 8).0, LpStatus::OutOfRange);
    let role = LpEvent {
        role: 3,
        ..event(LpEventKind::RoleChanged)
    };
    assert_eq!(step(core, 0, &role, 8).0, LpStatus::OutOfRange);
    let status_value = LpEvent {
        status: 9,
        ..event(LpEventKind::SystemStatus)
    };
    assert_eq!(step(core, 0, &status_value, 8).0, LpStatus::OutOfRange);
    // A null array with room claimed is an error; with none it is fine.
    let start = event(LpEventKind::Start);
    // SAFETY: a live core; the null array must be refused when capacity > 0.
    let refused = unsafe { lp_core_step(core, 0, &start, null_mut(), 4, null_mut(), null_mut()) };
    assert_eq!(refused, LpStatus::NullArgument);
    // SAFETY: the core is live and freed once.
    unsafe { lp_core_free(core) };
}

#[test]
fn each_configuration_error_has_its_status() {
    let with = |f: &dyn Fn(*mut LpConfig)| {
        let c = config(&[("A", 1), ("B", 2)]);
        f(c);
        core(c).err()
    };
    assert_eq!(core(config(&[])).err(), Some(LpStatus::ConfigNoLinks));
    assert_eq!(
        core(config(&[("A", 1), ("A", 2)])).err(),
        Some(LpStatus::ConfigDuplicateLinkName)
    );
    assert_eq!(
        core(config(&[("", 1)])).err(),
        Some(LpStatus::ConfigEmptyLinkName)
    );
    assert_eq!(
        core(config(&[("A\u{1b}", 1)])).err(),
        Some(LpStatus::ConfigUnprintableLinkName)
    );
    let long = "L".repeat(129);
    assert_eq!(
        core(config(&[(long.as_str(), 1)])).err(),
        Some(LpStatus::ConfigLinkNameTooLong)
    );
    // SAFETY (each closure): a live config from `with`.
    assert_eq!(
        with(&|c| assert_eq!(
            unsafe { lp_config_set_connect_timeout_ms(c, 0) },
            LpStatus::Ok
        )),
        Some(LpStatus::ConfigConnectTimeoutOutOfRange)
    );
    assert_eq!(
        with(&|c| assert_eq!(
            unsafe { lp_config_set_restart_timeout_ms(c, 0) },
            LpStatus::Ok
        )),
        Some(LpStatus::ConfigRestartTimeoutOutOfRange)
    );
    assert_eq!(
        with(&|c| assert_eq!(
            unsafe { lp_config_set_keepalive(c, 10_000_000, 1) },
            LpStatus::Ok
        )),
        Some(LpStatus::ConfigKeepaliveIntervalOutOfRange)
    );
    assert_eq!(
        with(&|c| assert_eq!(
            unsafe { lp_config_set_keepalive(c, 10_000, 200) },
            LpStatus::Ok
        )),
        Some(LpStatus::ConfigKeepaliveToleranceOutOfRange)
    );
    let normal = LpSystemStatus::Normal as u32;
    assert_eq!(
        with(&|c| assert_eq!(
            unsafe { lp_config_set_status_verdict(c, normal, LpVerdict::Failure as u32) },
            LpStatus::Ok
        )),
        Some(LpStatus::ConfigNormalStatusIsFailure)
    );
    assert_eq!(with(&|_| {}), None, "the defaults are valid");
}

#[test]
fn step_errors_are_typed_and_change_nothing() {
    let core = core(config(&[("A", 1)])).unwrap();
    assert_eq!(
        step(core, 1_000, &event(LpEventKind::Start), 8).0,
        LpStatus::Ok
    );
    assert_eq!(
        step(core, 999, &event(LpEventKind::Shutdown), 8).0,
        LpStatus::StepTimeWentBackwards
    );
    let unknown = LpEvent {
        link: 9,
        ..event(LpEventKind::TcpAccepted)
    };
    assert_eq!(step(core, 1_000, &unknown, 8).0, LpStatus::StepUnknownLink);
    let option = LpEvent {
        option: LpOption::KeepaliveTolerance as u32,
        option_value: 99,
        ..event(LpEventKind::OptionChanged)
    };
    assert_eq!(
        step(core, 1_000, &option, 8).0,
        LpStatus::StepOptionOutOfRange
    );
    // Still running: the link's connection is open, and shutdown closes it.
    let mut generation = 0;
    // SAFETY: a live core and a writable generation.
    assert!(unsafe { lp_core_connection(core, 0, &mut generation) });
    let (status, _, actions) = step(core, 2_000, &event(LpEventKind::Shutdown), 8);
    assert_eq!(status, LpStatus::Ok);
    assert!(actions.iter().any(|a| a.kind == LpActionKind::Close as u32
        && a.close_reason == LpCloseReason::Shutdown as u32));
    // SAFETY: freed once.
    unsafe { lp_core_free(core) };
}

#[test]
fn a_short_array_gets_what_fits_and_the_rest_stays_readable() {
    let core = core(config(&[("A", 1), ("B", 2), ("C", 3)])).unwrap();
    let (status, len, actions) = step(core, 0, &event(LpEventKind::Start), 2);
    assert_eq!(status, LpStatus::BufferTooSmall);
    assert_eq!(len, 5, "a log, three opens, connect-tout");
    assert_eq!(actions.len(), 2);
    assert_eq!(actions[1].kind, LpActionKind::Open as u32);
    let mut last = LpAction::default();
    // SAFETY: a live core and a writable action.
    unsafe {
        assert_eq!(lp_core_last_action(core, 4, &mut last), LpStatus::Ok);
        assert_eq!(last.kind, LpActionKind::ArmTimer as u32);
        assert_eq!(last.timer, LpTimer::ConnectTimeout as u32);
        assert!(last.at_ns > 0);
        assert_eq!(
            lp_core_last_action(core, 5, &mut last),
            LpStatus::OutOfRange
        );
        let (mut at, mut timer) = (0, 99);
        assert!(lp_core_next_deadline(core, &mut at, &mut timer));
        assert_eq!((at, timer), (last.at_ns, LpTimer::ConnectTimeout as u32));
        lp_core_free(core);
    }
}

/// A text cut to a small buffer ends at a character boundary: never half a UTF-8
/// sequence, which a C caller would pass on as invalid text.
#[test]
fn a_cut_text_never_ends_inside_a_character() {
    let core = core(config(&[("CSTA_\u{e9}", 1)])).unwrap();
    step(core, 0, &event(LpEventKind::Start), 8);
    // "CSTA_é: open TCP": the é is bytes 5 and 6; a 7-byte buffer holds 6 bytes.
    let mut buf = [0x7f as c_char; 7];
    // SAFETY: a live core and a 7-byte buffer.
    let full = unsafe { lp_core_action_text(core, 1, buf.as_mut_ptr(), buf.len()) };
    assert_eq!(full, "CSTA_\u{e9}: open TCP".len());
    // SAFETY: the call NUL-terminated the buffer.
    let cut = unsafe { CStr::from_ptr(buf.as_ptr()) };
    assert_eq!(cut.to_str(), Ok("CSTA_"), "cut before the é, not inside it");
    // SAFETY: the core is live and freed once.
    unsafe { lp_core_free(core) };
}

/// A refused step writes `*len` 0 and `*ignored` false: a caller reusing its variables
/// never reads the previous step's count.
#[test]
fn a_refused_step_says_it_returned_no_actions() {
    let core = core(config(&[("A", 1)])).unwrap();
    let start = event(LpEventKind::Start);
    assert_eq!(step(core, 1_000, &start, 8).0, LpStatus::Ok);
    let (mut len, mut ignored) = (99usize, true);
    let mut actions = vec![LpAction::default(); 8];
    // SAFETY: a live core, a readable event, 8 writable actions; time goes backwards.
    let status = unsafe {
        lp_core_step(
            core,
            0,
            &start,
            actions.as_mut_ptr(),
            8,
            &mut len,
            &mut ignored,
        )
    };
    assert_ne!(status, LpStatus::Ok);
    assert_eq!((len, ignored), (0, false));
    len = 99;
    // SAFETY: a null event is refused; `len` is written all the same.
    let null = unsafe {
        lp_core_step(
            core,
            0,
            null(),
            actions.as_mut_ptr(),
            8,
            &mut len,
            null_mut(),
        )
    };
    assert_eq!((null, len), (LpStatus::NullArgument, 0));
    // SAFETY: the core is live and freed once.
    unsafe { lp_core_free(core) };
}

#[test]
fn texts_are_cut_to_the_buffer_and_nul_terminated() {
    let core = core(config(&[("CSTA_A", 1)])).unwrap();
    step(core, 0, &event(LpEventKind::Start), 8);
    let mut small = [0x7f as c_char; 4];
    // SAFETY: a live core and a 4-byte buffer; the whole length comes back.
    let full = unsafe { lp_core_action_text(core, 1, small.as_mut_ptr(), small.len()) };
    // SAFETY: the call NUL-terminated the buffer.
    let cut = unsafe { CStr::from_ptr(small.as_ptr()) }.to_str().unwrap();
    assert_eq!(cut, "CST");
    let mut big = vec![0 as c_char; full + 1];
    // SAFETY: as above, with room for all of it.
    unsafe { lp_core_action_text(core, 1, big.as_mut_ptr(), big.len()) };
    let text = unsafe { CStr::from_ptr(big.as_ptr()) }.to_str().unwrap();
    assert_eq!(text, "CSTA_A: open TCP");
    assert_eq!(full, text.len());
    let mut time = [0 as c_char; 16];
    // SAFETY: a 16-byte buffer.
    unsafe { lp_time_text(30_200_000_000, time.as_mut_ptr(), time.len()) };
    assert_eq!(
        unsafe { CStr::from_ptr(time.as_ptr()) }.to_str().unwrap(),
        "30.200s"
    );
    let name = CString::new("CSTA_A").unwrap();
    // SAFETY: a live core and a NUL-terminated name.
    assert_eq!(unsafe { lp_core_link_id(core, name.as_ptr()) }, 0);
    unsafe { lp_core_free(core) };
}

/// R14 (turn 3) through the C ABI: `LP_EVENT_KIND_KEEP_ALIVE_REJECTED` answers the
/// outstanding keep-alive with an error, which at `kpl-tolerance` 0 loses the link at
/// once (it was out of range before).
#[test]
fn a_keep_alive_answered_with_an_error_loses_the_link_at_tolerance_0() {
    let c = config(&[("A", 1)]);
    // SAFETY: a live config.
    assert_eq!(
        unsafe { lp_config_set_keepalive(c, 1_000, 0) },
        LpStatus::Ok
    );
    let core = core(c).unwrap();
    let (_, _, actions) = step(core, 0, &event(LpEventKind::Start), 16);
    let open = actions.iter().find(|a| a.kind == LpActionKind::Open as u32);
    let generation = open.expect("the link is opened").generation;
    let on = |kind: LpEventKind| LpEvent {
        link: 0,
        generation,
        ..event(kind)
    };
    step(core, 1, &on(LpEventKind::TcpAccepted), 16);
    step(core, 2, &on(LpEventKind::AssociationAccepted), 16);
    let normal = LpEvent {
        status: 2,
        ..on(LpEventKind::SystemStatus)
    };
    step(core, 3, &normal, 16);
    // SAFETY: a live core.
    assert_eq!(unsafe { lp_core_active_link(core) }, 0);
    let beat = LpEvent {
        timer: 2,
        ..event(LpEventKind::TimerExpired)
    };
    let (status, _, actions) = step(core, 1_000_000_003, &beat, 16);
    assert_eq!(status, LpStatus::Ok);
    assert!(actions
        .iter()
        .any(|a| a.kind == LpActionKind::SendKeepAlive as u32));
    let (status, _, actions) = step(core, 1_000_000_004, &on(LpEventKind::KeepAliveRejected), 16);
    assert_eq!(status, LpStatus::Ok);
    assert!(actions.iter().any(|a| a.kind == LpActionKind::Close as u32));
    // SAFETY: a live core, then freed once.
    unsafe {
        assert_eq!(lp_core_active_link(core), -1);
        lp_core_free(core);
    }
}

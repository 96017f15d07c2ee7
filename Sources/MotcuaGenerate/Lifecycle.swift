// A dossier's life for `motcua generate`: submission (online, direct or postal, by service
// level), reception or denial, processing, supplement requests and financial obligations
// that pause it, withdrawal or stop, resolution early / on time / late, return of the result
// — as status changes of SPEC §3.1 with their dates. Each change is an event; a daily export
// carries the end-of-day state of every dossier that changed that day (SPEC §3.2).
import MotcuaFoundation

let noTime = Int64.min

/// What a record says about a dossier at one moment (the fields that change).
struct EventState: Sendable {
    var status: UInt8 = 0
    var paid: UInt8 = 0
    var eResult: Int8 = -1        // -1 not yet decided, 0 paper result, 1 electronic result
    var received: Int64 = noTime
    var due: Int64 = noTime
    var ended: Int64 = noTime
    var returned: Int64 = noTime
}

/// What never changes about a dossier; its owner, address and attachments come from `personSeed`.
struct DossierInfo: Sendable {
    var unit: Int32 = 0
    var procedure: Int32 = 0
    var seqNo: Int32 = 0
    var fee: Int32 = 0
    var submitted: Int64 = 0
    var personSeed: UInt64 = 0
    var channel: UInt8 = 1
    var serviceLevel: UInt8 = 2   // MucDo as sent (sometimes a level below the catalog's)
    var digitized: UInt8 = 0
    var returnChannel: UInt8 = 0
    var utcDates = false          // auto-received at night by a service that writes ISO UTC dates
}

/// One line of a daily export: a dossier's state after its `event`-th change.
struct LineEntry: Sendable {
    var time: Int64
    var event: UInt8
    var info: DossierInfo
    var state: EventState
}

struct Lifecycle {
    var rng: GenRandom
    let calendar: WorkCalendar
    let province: Province

    /// A moment in office hours (07:30–11:30, 13:30–17:00) of `day`, after `earliest` when given.
    mutating func officeTime(_ day: Int, after earliest: Int64 = noTime) -> Int64 {
        for _ in 0..<20 {
            let minutes = rng.chance(0.55) ? rng.int(450, 690) : rng.int(810, 1020)
            let t = Int64(day) * 86400 + Int64(minutes * 60 + rng.int(0, 59))
            if earliest == noTime || t > earliest { return t }
        }
        return (earliest == noTime ? Int64(day) * 86400 + 450 * 60 : earliest) + Int64(rng.int(1, 30) * 60)
    }

    /// A new dossier at `unit` on `day`, with all its events; nil when offices are closed and it
    /// is not online. `forced`: an online level-4 submission at that time, received automatically.
    mutating func newDossier(unit: Int, day: Int, workday: Bool, seqNo: () -> Int32, forced: Int64? = nil)
        -> (DossierInfo, [(time: Int64, state: EventState)])? {
        let u = province.units[unit]
        var choices = u.eligible
        if forced != nil {   // a level-4 procedure, with a fee when the unit has one
            let l4 = choices.filter { $0.level == 4 }
            let paid = l4.filter { province.procedures[$0.procedure].fee > 0 }
            choices = !paid.isEmpty ? paid : !l4.isEmpty ? l4 : choices
        }
        var (procedure, level) = choices[rng.below(choices.count)]
        if forced == nil && rng.chance(0.004) {
            procedure = province.uncataloguedIndex
            level = 3
        }
        let p = province.procedures[procedure]
        let days = p.days, fee = p.fee
        let r = forced == nil ? rng.double() : 0.0
        let channel: UInt8
        switch level {
        case 4: channel = r < 0.62 ? 2 : r < 0.66 ? 3 : 1
        case 3: channel = r < 0.38 ? 2 : r < 0.43 ? 3 : 1
        default: channel = r < 0.05 ? 3 : 1
        }
        if !workday && channel != 2 { return nil }   // offices closed: only online submissions arrive
        var d = DossierInfo()
        d.unit = Int32(unit)
        d.procedure = Int32(procedure)
        d.fee = Int32(fee)
        d.channel = channel
        d.serviceLevel = UInt8(rng.chance(0.03) ? max(2, level - 1) : level)
        d.digitized = rng.chance(channel == 2 ? 0.55 : 0.25) ? 1 : 0
        d.returnChannel = rng.chance(channel == 3 ? 0.12 : 0.05) ? 1 : 0
        let dayStart = Int64(day) * 86400
        let submitted: Int64
        if let forced {
            submitted = forced
        } else if channel == 2 {
            if rng.chance(0.12) {   // night submissions
                submitted = dayStart + Int64(rng.pick([0, 1, 5, 6, 21, 22, 23]) * 3600 + rng.int(0, 59) * 60 + rng.int(0, 59))
            } else {
                submitted = dayStart + Int64(rng.int(7, 20) * 3600 + rng.int(0, 59) * 60 + rng.int(0, 59))
            }
        } else {
            submitted = officeTime(day)
        }
        d.submitted = submitted
        d.seqNo = seqNo()
        d.personSeed = rng.next()

        var events: [(time: Int64, state: EventState)] = []
        var st = EventState()
        func ev(_ t: Int64) { events.append((t, st)) }
        let subDay = Int(submitted / 86400)

        let received: Int64
        if channel == 2 {
            st.status = 1; ev(submitted)
            let r2 = forced == nil ? rng.double() : 1.0
            if r2 < 0.03 {   // denied
                let dd = rng.chance(0.6) ? calendar.nextWorkday(subDay) : calendar.isWorkday(subDay) ? subDay : calendar.nextWorkday(subDay)
                st.status = 3; ev(officeTime(dd, after: submitted))
                return (d, events)
            }
            if r2 < 0.045 { return (d, events) }   // never received: stays 1
            if forced != nil || (level == 4 && rng.chance(0.18)) {
                received = submitted + Int64(rng.int(1, 20) * 60)   // automatic reception, any hour
            } else {
                var rd = (calendar.isWorkday(subDay) && submitted - dayStart < 16 * 3600 && rng.chance(0.5)) ? subDay : calendar.nextWorkday(subDay)
                if rng.chance(0.25) { rd = calendar.nextWorkday(rd) }
                received = officeTime(rd, after: submitted)
            }
        } else {
            received = submitted
        }
        let recvDay = Int(received / 86400)
        let dueDay = days > 0 ? calendar.addWorkdays(recvDay, days) : recvDay
        st.status = 2; st.received = received
        st.due = Int64(dueDay) * 86400 + (days > 0 ? 16 * 3600 + 1800 : 17 * 3600)
        ev(received)
        if channel == 2 && received / 86400 * 86400 + 7 * 3600 > received && received - submitted < 1800 {
            d.utcDates = true
        }

        if days == 0 {   // same-day procedures (chứng thực, khai sinh…): done within an hour or two
            var t9 = received + Int64(rng.int(10, 150) * 60)
            if t9 / 86400 != received / 86400 { t9 = max(received + 60, Int64(recvDay) * 86400 + 23 * 3600 + 50 * 60) }
            if t9 / 86400 != received / 86400 { t9 = received }
            st.status = 9; st.ended = t9; st.eResult = rng.chance(0.3) ? 1 : 0; ev(t9)
            if rng.chance(0.9) {
                var t10 = t9 + Int64(rng.int(5, 60) * 60)
                if t10 / 86400 != t9 / 86400 || rng.chance(0.1) { t10 = officeTime(calendar.nextWorkday(Int(t9 / 86400)), after: t9) }
                st.status = 10; st.returned = t10; ev(t10)
            }
            return (d, events)
        }

        var t = officeTime(rng.chance(0.6) ? recvDay : calendar.nextWorkday(recvDay), after: received)
        st.status = 4; ev(t)
        let r3 = rng.double()
        if r3 < 0.09 {   // supplement requested, then the appointment date is re-issued
            let t5 = officeTime(calendar.addWorkdays(Int(t / 86400), rng.int(0, max(1, days / 2))), after: t)
            st.status = 5; ev(t5)
            if rng.chance(0.1) { return (d, events) }   // the citizen never comes back: stays 5
            let gap = rng.int(1, 6)
            let t4 = officeTime(calendar.addWorkdays(Int(t5 / 86400), gap), after: t5)
            let newDue = calendar.addWorkdays(Int(st.due / 86400), gap)
            st.due = Int64(newDue) * 86400 + st.due % 86400
            st.status = 4; ev(t4)
            t = t4
        } else if r3 < 0.13 && fee > 0 {   // financial obligation
            let t6 = officeTime(calendar.addWorkdays(Int(t / 86400), rng.int(0, 2)), after: t)
            st.status = 6; ev(t6)
            let t4 = officeTime(calendar.addWorkdays(Int(t6 / 86400), rng.int(1, 3)), after: t6)
            st.paid = channel == 2 && rng.chance(0.7) ? UInt8(rng.int(1, 2)) : 0
            st.status = 4; ev(t4)
            t = t4
        }
        if channel == 2 && fee > 0 && st.paid == 0 && rng.chance(0.55) { st.paid = rng.pick([1, 1, 2, 3]) }

        let r4 = rng.double()
        if r4 < 0.03 {   // withdrawn by the citizen
            let t7 = officeTime(calendar.addWorkdays(Int(t / 86400), rng.int(0, days)), after: t)
            st.status = 7; st.ended = t7; ev(t7)
            return (d, events)
        }
        if r4 < 0.045 {   // processing stopped
            let t8 = officeTime(calendar.addWorkdays(Int(t / 86400), rng.int(1, days)), after: t)
            st.status = 8; st.ended = t8; ev(t8)
            return (d, events)
        }
        // resolved: early (55 %), on the due date (36 %), late (9 %)
        let dueDayNow = Int(st.due / 86400)
        var endDay: Int
        let r5 = rng.double()
        if r5 < 0.55 {
            endDay = dueDayNow
            for _ in 0..<rng.int(1, max(1, days / 2)) { endDay = calendar.previousWorkday(endDay) }
        } else if r5 < 0.91 {
            endDay = dueDayNow
        } else {
            endDay = calendar.addWorkdays(dueDayNow, rng.int(1, 6))
        }
        var t9 = officeTime(max(endDay, Int(t / 86400)), after: t)
        if rng.chance(0.02) {   // the signing system sometimes stamps the end late at night
            let late = t9 / 86400 * 86400 + Int64(23 * 3600 + rng.int(0, 59) * 60 + rng.int(0, 59))
            if late > t9 { t9 = late }
        }
        st.status = 9; st.ended = t9; st.eResult = rng.chance(0.35) ? 1 : 0; ev(t9)
        if rng.chance(0.85) {
            let t10 = officeTime(calendar.addWorkdays(Int(t9 / 86400), rng.pick([0, 0, 1, 1, 2, 3])), after: t9)
            st.status = 10; st.returned = t10; ev(t10)
        }
        return (d, events)
    }
}

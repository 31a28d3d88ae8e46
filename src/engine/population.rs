//! The population of a run: the live accounts, one vector per state, and
//! how a state's accounts are stepped (`sweep`) and those that changed
//! state put in their new place (`settle`).

use super::account::{Account, STATES, State};
use super::run::Run;

/// The live accounts, one vector per state, so that each state's loop is
/// free of state dispatch. Order within a vector is deterministic (it
/// depends only on the run's draws): departures are filled by the last
/// account, accounts that changed state during a step are appended to their
/// new state's vector after every state has been stepped (so no account is
/// stepped twice in a step), and arrivals come last.
#[derive(Debug, Default)]
pub struct Population {
    by_state: [Vec<Account>; STATES],
    /// Accounts that changed state this step, by new state.
    moved: [Vec<Account>; STATES],
}

impl Population {
    /// Empties every vector, keeping its memory.
    pub(super) fn clear(&mut self) {
        for v in self.by_state.iter_mut().chain(self.moved.iter_mut()) {
            v.clear();
        }
    }

    /// The accounts of state `s`, to change them in place.
    pub(super) fn of_mut(&mut self, s: State) -> &mut [Account] {
        &mut self.by_state[s as usize]
    }

    pub(super) fn push(&mut self, a: Account) {
        self.by_state[a.state as usize].push(a);
    }

    pub(super) fn len(&self) -> usize {
        self.by_state.iter().map(Vec::len).sum()
    }

    /// The number of accounts in each state.
    pub(super) fn counts(&self) -> [u64; STATES] {
        std::array::from_fn(|s| self.by_state[s].len() as u64)
    }

    pub(super) fn of(&self, s: State) -> &[Account] {
        &self.by_state[s as usize]
    }

    /// Steps every account of `state` with `f`, dropping those that leave
    /// and setting aside those that change state.
    #[inline(always)]
    pub(super) fn sweep<'m>(
        &mut self,
        state: State,
        run: &mut Run<'m>,
        mut f: impl FnMut(&mut Run<'m>, &mut Account) -> bool,
    ) {
        let v = &mut self.by_state[state as usize];
        // Stepped in place; an account that leaves or changes state is
        // replaced by the last one, which is then stepped at the same index.
        // Survivors are never copied (copying a record just written stalls
        // store forwarding), and the order stays deterministic.
        // Seats and MRR of the accounts that stay are summed in registers
        // (a counter in memory, bumped for every account, would be a chain
        // of dependent loads and stores).
        let (mut seats, mut mrr) = (0u64, 0u64);
        let mut i = 0;
        while i < v.len() {
            let stays = f(run, &mut v[i]);
            if stays && v[i].state == state {
                seats += v[i].seats as u64;
                if state == State::Paid {
                    mrr += v[i].mrr_cents as u64;
                }
                i += 1;
                continue;
            }
            let a = v.swap_remove(i);
            if stays {
                run.tally(&a);
                self.moved[a.state as usize].push(a);
            }
        }
        run.tally_seats[state as usize] += seats;
        run.tally_mrr += mrr;
    }

    /// Appends the accounts that changed state to their new state's vector.
    pub(super) fn settle(&mut self) {
        for (v, moved) in self.by_state.iter_mut().zip(self.moved.iter_mut()) {
            v.append(moved);
        }
    }
}

/// Memory a worker thread reuses from run to run (cleared before use, so
/// it never carries anything from one run into the next): allocating the
/// account vectors afresh for every run costs page faults.
#[derive(Debug, Default)]
pub struct Workspace {
    pub(super) pop: Population,
}

#[cfg(test)]
mod tests {
    use super::super::run::testing::{MINIMAL, account, model, run};
    use super::*;

    fn ids(v: &[Account]) -> Vec<u16> {
        v.iter().map(|a| a.invites_sent).collect()
    }

    #[test]
    fn sweep_steps_each_account_once_in_a_deterministic_order_and_moves_state_changers_after_the_loop() {
        let m = model(MINIMAL);
        let mut r = run(&m);
        let mut pop = Population::default();
        for id in 0..5 {
            pop.push(account(State::ActiveFree, id));
        }
        pop.push(account(State::Blocked, 10));
        let mut stepped = Vec::new();
        pop.sweep(State::ActiveFree, &mut r, |_, a| {
            stepped.push(a.invites_sent);
            match a.invites_sent {
                1 => false, // leaves
                3 => {
                    a.state = State::Blocked; // changes state
                    true
                }
                _ => true,
            }
        });
        // A departure is replaced by the last account, stepped at its index.
        assert_eq!(stepped, [0, 1, 4, 2, 3]);
        assert_eq!(ids(pop.of(State::ActiveFree)), [0, 4, 2]);
        // The account that changed state waits until every state is stepped.
        let mut blocked = Vec::new();
        pop.sweep(State::Blocked, &mut r, |_, a| {
            blocked.push(a.invites_sent);
            true
        });
        assert_eq!(blocked, [10]);
        assert_eq!(ids(pop.of(State::Blocked)), [10]);
        pop.settle();
        assert_eq!(ids(pop.of(State::Blocked)), [10, 3]);
        assert_eq!(pop.len(), 5);
        // Seats of the accounts present at the end of the step, by state.
        assert_eq!(r.tally_seats[State::ActiveFree as usize], 3);
        assert_eq!(r.tally_seats[State::Blocked as usize], 2);
    }

    #[test]
    fn sweep_sums_the_mrr_of_the_paying_accounts_that_stay() {
        let m = model(MINIMAL);
        let mut r = run(&m);
        let mut pop = Population::default();
        for id in 0..3 {
            let mut a = account(State::Paid, id);
            a.mrr_cents = 1000 * (id as u32 + 1);
            pop.push(a);
        }
        pop.sweep(State::Paid, &mut r, |_, a| a.invites_sent != 0);
        assert_eq!(r.tally_mrr, 2000 + 3000);
        pop.clear();
        assert_eq!(pop.len(), 0);
    }
}

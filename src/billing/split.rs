//! Who of a couple pays for a session, and how much each: one partner, a split by
//! percentage (exact to the cent: the first partner's share is rounded, the second pays
//! the rest), or each session in turn.

use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    OnePayer(Uuid),
    Percent {
        first: Uuid,
        second: Uuid,
        /// 0 to 100.
        first_percent: i64,
    },
    /// The first session the first partner's, the next the second's, and so on.
    Alternate {
        first: Uuid,
        second: Uuid,
    },
}

/// Each payer's share of `fee` for the couple's `nth` session billed (from 0). The shares
/// always add up to `fee`; a payer whose share is 0 is left out.
pub fn shares(split: Split, fee: i64, nth: usize) -> Vec<(Uuid, i64)> {
    let out = match split {
        Split::OnePayer(p) => vec![(p, fee)],
        Split::Percent {
            first,
            second,
            first_percent,
        } => {
            // Half a cent goes up: 50% of 175.01 is 87.51 and 87.50.
            let mine = (fee * first_percent + 50).div_euclid(100);
            vec![(first, mine), (second, fee - mine)]
        }
        Split::Alternate { first, second } => {
            vec![(if nth.is_multiple_of(2) { first } else { second }, fee)]
        }
    };
    out.into_iter().filter(|(_, amount)| *amount != 0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up_to_the_fee_to_the_cent() {
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let half = Split::Percent {
            first: a,
            second: b,
            first_percent: 50,
        };
        assert_eq!(shares(half, 17500, 0), [(a, 8750), (b, 8750)]);
        assert_eq!(shares(half, 17501, 3), [(a, 8751), (b, 8750)]);
        let third = Split::Percent {
            first: a,
            second: b,
            first_percent: 33,
        };
        for fee in [0, 1, 99, 100, 17501, 1_000_000_000] {
            let total: i64 = shares(third, fee, 0).iter().map(|(_, s)| s).sum();
            assert_eq!(total, fee);
        }
        let all = Split::Percent {
            first: a,
            second: b,
            first_percent: 100,
        };
        assert_eq!(shares(all, 100, 0), [(a, 100)]);
        let turns = Split::Alternate {
            first: a,
            second: b,
        };
        assert_eq!(shares(turns, 100, 0), [(a, 100)]);
        assert_eq!(shares(turns, 100, 1), [(b, 100)]);
        assert_eq!(shares(turns, 100, 2), [(a, 100)]);
    }
}

//! The action grid: substantive work `s` and materials `m` in steps of `1/G` with `s + m <= 1`,
//! optionally times `innovate` in {0, 1}.
//!
//! Actions are grouped by their *effort level* (`s`, `innovate`): output, satisfaction, errors
//! and complaints depend on the effort level only, so the engine computes them once per level and
//! reuses them for every materials choice.

/// One action.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Action {
    /// Substantive work share.
    pub s: f64,
    /// Materials (paperwork) share.
    pub m: f64,
    /// Innovative work.
    pub innovate: bool,
    /// Index of the effort level (`s`, `innovate`) in [`ActionSet::levels`].
    pub level: usize,
}

/// All actions of a scenario, in a fixed order.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionSet {
    /// Every action; an action's index is its identity in attractions and outputs.
    pub actions: Vec<Action>,
    /// The distinct effort levels `(s, innovate)`.
    pub levels: Vec<(f64, bool)>,
    /// For each level, the range of [`ActionSet::actions`] at that level (actions are built
    /// level by level, so each level's actions are contiguous).
    level_ranges: Vec<std::ops::Range<usize>>,
}

impl ActionSet {
    /// Number of actions for a grid, without building it.
    pub fn count(grid: usize, materials: bool, innovate: bool) -> usize {
        let per = if materials { (grid + 1) * (grid + 2) / 2 } else { grid + 1 };
        per * if innovate { 2 } else { 1 }
    }

    /// Builds the grid. Order: innovate outer, then `s` ascending, then `m` ascending.
    pub fn new(grid: usize, materials: bool, innovate: bool) -> Self {
        let g = grid as f64;
        let mut actions = Vec::with_capacity(Self::count(grid, materials, innovate));
        let mut levels = Vec::new();
        let mut level_ranges = Vec::new();
        for inn in if innovate { vec![false, true] } else { vec![false] } {
            for si in 0..=grid {
                let level = levels.len();
                levels.push((si as f64 / g, inn));
                let start = actions.len();
                let m_max = if materials { grid - si } else { 0 };
                for mi in 0..=m_max {
                    actions.push(Action { s: si as f64 / g, m: mi as f64 / g, innovate: inn, level });
                }
                level_ranges.push(start..actions.len());
            }
        }
        ActionSet { actions, levels, level_ranges }
    }

    /// The indices of the actions at effort level `level` (a contiguous range).
    pub fn level_actions(&self, level: usize) -> std::ops::Range<usize> {
        self.level_ranges[level].clone()
    }

    /// Number of actions.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// Whether there are no actions (never, for a valid grid).
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// A short label such as `s0.50_m0.25` or `s0.50_m0.25_inn`.
    pub fn label(&self, j: usize) -> String {
        let a = self.actions[j];
        format!("s{:.2}_m{:.2}{}", a.s, a.m, if a.innovate { "_inn" } else { "" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_grid_has_fifteen_actions_within_the_budget() {
        let a = ActionSet::new(4, true, false);
        assert_eq!(a.len(), 15);
        assert_eq!(a.len(), ActionSet::count(4, true, false));
        assert_eq!(a.levels.len(), 5);
        assert!(a.actions.iter().all(|x| x.s + x.m <= 1.0 + 1e-12));
        assert_eq!(a.actions[0], Action { s: 0.0, m: 0.0, innovate: false, level: 0 });
        assert_eq!(a.actions[14], Action { s: 1.0, m: 0.0, innovate: false, level: 4 });
    }

    #[test]
    fn level_ranges_hold_exactly_each_levels_actions() {
        for (grid, materials, innovate) in [(4, true, false), (4, true, true), (100, false, false), (1, true, true)] {
            let a = ActionSet::new(grid, materials, innovate);
            let mut next = 0;
            for level in 0..a.levels.len() {
                let r = a.level_actions(level);
                assert_eq!(r.start, next);
                assert!(!r.is_empty());
                assert!(a.actions[r.clone()].iter().all(|x| x.level == level && (x.s, x.innovate) == a.levels[level]));
                next = r.end;
            }
            assert_eq!(next, a.len());
        }
    }

    #[test]
    fn effort_only_and_innovate_grids() {
        let a = ActionSet::new(100, false, false);
        assert_eq!(a.len(), 101);
        assert!(a.actions.iter().all(|x| x.m == 0.0));
        let b = ActionSet::new(4, true, true);
        assert_eq!(b.len(), 30);
        assert_eq!(b.levels.len(), 10);
        assert!(b.actions[15].innovate && !b.actions[14].innovate);
    }
}

//! Splitting a grid across machines: shard `k` of `N` runs the cells whose index in the full grid
//! is `k - 1` modulo `N`. Round-robin rather than contiguous blocks, so that each shard gets a mix
//! of solvers and dimensions (contiguous blocks would give one shard every slow D = 64 cell).

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, Result, bail};

/// One slice of a grid: the `index`-th (1-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This slice, 1-based.
    pub index: usize,
    /// Slices in all.
    pub count: usize,
}

impl FromStr for Shard {
    type Err = String;

    /// Parses `k/N` with `1 <= k <= N`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("'{s}' is not k/N with 1 <= k <= N (e.g. 2/8)");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = k.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether the cell at `cell` (its index in the full grid) belongs to this shard.
    pub fn owns(&self, cell: usize) -> bool {
        cell % self.count == self.index - 1
    }

    /// The shard's own Parquet file beside `out`: `compare.csv` -> `compare.shard-02-of-08.parquet`.
    pub fn path(&self, out: &Path) -> PathBuf {
        let stem = out.file_stem().map_or("compare".into(), |s| s.to_string_lossy());
        let width = self.count.to_string().len().max(2);
        out.with_file_name(format!(
            "{stem}.shard-{:0width$}-of-{:0width$}.parquet",
            self.index, self.count
        ))
    }
}

/// The shard files in `dir` (`*.shard-*-of-*.parquet`), sorted by name; refuses an empty folder
/// and a set with a shard missing (merging 3 of 4 shards would silently drop a quarter of the grid).
pub fn shard_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("--merge {}: cannot read the folder", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().map_or(String::new(), |n| n.to_string_lossy().into_owned());
            name.contains(".shard-") && name.ends_with(".parquet")
        })
        .collect();
    files.sort();
    if files.is_empty() {
        bail!("--merge {}: no *.shard-K-of-N.parquet files there", dir.display());
    }
    let shards: Vec<Shard> = files.iter().map(|p| parse_name(p)).collect::<Result<_>>()?;
    let count = shards[0].count;
    for k in 1..=count {
        let n = shards.iter().filter(|s| **s == Shard { index: k, count }).count();
        if n != 1 {
            bail!(
                "--merge {}: shard {k}/{count} appears {n} times (need each of 1..={count} once; \
                 found {})",
                dir.display(),
                shards.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            );
        }
    }
    if shards.len() != count {
        bail!("--merge {}: shards of different splits in one folder", dir.display());
    }
    Ok(files)
}

/// The shard a file name says it holds (`...shard-02-of-08.parquet`).
fn parse_name(path: &Path) -> Result<Shard> {
    let name = path.file_name().map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let part = name
        .rsplit_once(".shard-")
        .and_then(|(_, rest)| rest.strip_suffix(".parquet"))
        .and_then(|s| s.split_once("-of-"))
        .with_context(|| format!("{}: not a shard file name", path.display()))?;
    format!("{}/{}", part.0, part.1)
        .parse()
        .map_err(|e: String| anyhow::anyhow!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_partitions() {
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        let shards: Vec<Shard> = (1..=3).map(|k| Shard { index: k, count: 3 }).collect();
        for cell in 0..10 {
            assert_eq!(shards.iter().filter(|s| s.owns(cell)).count(), 1);
        }
        let s = Shard { index: 2, count: 8 };
        let p = s.path(Path::new("out/compare.csv"));
        assert_eq!(p, Path::new("out/compare.shard-02-of-08.parquet"));
        assert_eq!(parse_name(&p).unwrap(), s);
    }
}

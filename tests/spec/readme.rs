//! The README and its reference pages in `docs/` name the tests that pin their claims
//! (`tests/faults.rs` `a_test_name`): each named file exists and defines each test named after it,
//! so a move or a rename cannot leave them stale.

use std::path::Path;

/// Every (file, name) pair of a table row: a backticked `tests/….rs` or `src/….rs` followed, in the
/// same cell, by backticked snake_case names.
fn references(readme: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for row in readme.lines().filter(|line| line.starts_with('|')) {
        for cell in row.split('|') {
            let quoted: Vec<&str> = cell.split('`').skip(1).step_by(2).collect();
            let mut file = None;
            for word in quoted {
                if (word.starts_with("tests/") || word.starts_with("src/")) && word.ends_with(".rs") {
                    file = Some(word.to_owned());
                } else if let Some(file) = &file
                    && !word.is_empty()
                    && word.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                {
                    found.push((file.clone(), word.to_owned()));
                }
            }
        }
    }
    found
}

#[test]
fn every_test_the_readme_names_exists_in_the_file_it_names() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    for page in ["errors", "reliability", "performance", "development"] {
        let path = root.join("docs").join(format!("{page}.md"));
        readme
            .push_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())));
    }
    let references = references(&readme);
    assert!(references.len() >= 25, "the reliability table names its tests: {references:?}");
    let missing: Vec<String> = references
        .iter()
        .filter(|(file, name)| {
            let source = std::fs::read_to_string(root.join(file)).unwrap_or_default();
            !source.contains(&format!("fn {name}()"))
        })
        .map(|(file, name)| format!("{file} {name}"))
        .collect();
    assert!(missing.is_empty(), "the README names tests that do not exist there: {missing:#?}");
}

#[test]
fn a_reference_is_read_from_its_cell_only_after_a_file() {
    let found = references(
        "| a | `IdMismatch` | `tests/x.rs` `one_test`, `two_tests` |\n| `not_a_test` | `src/y.rs` `three` |\n",
    );
    assert_eq!(
        found,
        [
            ("tests/x.rs".to_owned(), "one_test".to_owned()),
            ("tests/x.rs".to_owned(), "two_tests".to_owned()),
            ("src/y.rs".to_owned(), "three".to_owned()),
        ]
    );
}

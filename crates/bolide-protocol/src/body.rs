//! JSON bodies (`data-formats.md`), one type per file.

//! JSON with fastjson's quirks: bare integer map keys and object map keys (`remoting.md` §11).

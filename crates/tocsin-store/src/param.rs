//! Values bound to statements, for both of the store's SQLite drivers.
//!
//! The intake writer stores the same rows through sqlx (PostgreSQL, in-memory SQLite) and
//! through its own rusqlite connection (a SQLite file, see `embedded`). The values of a row are
//! listed once, as [`Param`]s, and each driver binds them its own way.

use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::Any;

/// One bound value. A missing value keeps its type: PostgreSQL checks a parameter's type even
/// when it is NULL.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Param<'a> {
    Text(Option<&'a str>),
    Int(Option<i64>),
    Real(Option<f64>),
    Blob(&'a [u8]),
}

/// Binds `params` to `query`, in order.
pub(crate) fn bind<'q>(
    mut query: Query<'q, Any, AnyArguments<'q>>,
    params: impl IntoIterator<Item = Param<'q>>,
) -> Query<'q, Any, AnyArguments<'q>> {
    for param in params {
        query = match param {
            Param::Text(value) => query.bind(value),
            Param::Int(value) => query.bind(value),
            Param::Real(value) => query.bind(value),
            Param::Blob(value) => query.bind(value),
        };
    }
    query
}

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self {
            Param::Text(Some(text)) => ValueRef::Text(text.as_bytes()),
            Param::Int(Some(number)) => ValueRef::Integer(number),
            Param::Real(Some(number)) => ValueRef::Real(number),
            Param::Blob(bytes) => ValueRef::Blob(bytes),
            Param::Text(None) | Param::Int(None) | Param::Real(None) => ValueRef::Null,
        }))
    }
}

//! `Chunked`: an append-only sequence stored in fixed-capacity chunks.
//!
//! A hot account's checker state grows to millions of entries. In one `Vec`,
//! every growth would copy the whole history (and briefly hold it twice); in chunks, growth
//! adds a chunk and never moves what is stored. The first chunk grows as needed, so the
//! thousands of quiet accounts of a run stay small; an owner that filled one chunk is busy,
//! and its later chunks are allocated whole.

/// An append-only sequence in chunks of `N` entries, indexed from 0 in push order.
#[derive(Debug)]
pub(crate) struct Chunked<T, const N: usize> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T, const N: usize> Default for Chunked<T, N> {
    fn default() -> Self {
        Chunked {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T, const N: usize> Chunked<T, N> {
    /// Appends `item` and returns its index.
    pub(crate) fn push(&mut self, item: T) -> usize {
        match self.chunks.last_mut() {
            Some(last) if last.len() < N => last.push(item),
            Some(_) => {
                let mut chunk = Vec::with_capacity(N);
                chunk.push(item);
                self.chunks.push(chunk);
            }
            None => self.chunks.push(vec![item]),
        }
        self.len += 1;
        self.len - 1
    }

    /// The entry at `index`, which `push` returned.
    pub(crate) fn get(&self, index: usize) -> &T {
        &self.chunks[index / N][index % N]
    }

    /// The entry at `index`, which `push` returned, for changing.
    pub(crate) fn get_mut(&mut self, index: usize) -> &mut T {
        &mut self.chunks[index / N][index % N]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_read_back_by_index_and_in_order_across_chunks() {
        let mut chunked: Chunked<u32, 4> = Chunked::default();
        for n in 0..11 {
            assert_eq!(chunked.push(n), n as usize);
        }
        assert_eq!(chunked.len, 11);
        assert_eq!(
            (*chunked.get(0), *chunked.get(4), *chunked.get(10)),
            (0, 4, 10)
        );
        *chunked.get_mut(5) = 50;
        let seen: Vec<u32> = (0..11).map(|i| *chunked.get(i)).collect();
        assert_eq!(seen, [0, 1, 2, 3, 4, 50, 6, 7, 8, 9, 10]);
        assert_eq!(chunked.chunks[1].capacity(), 4, "later chunks are whole");
    }
}

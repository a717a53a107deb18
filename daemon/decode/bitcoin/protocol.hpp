// What a mempool_space source sends (wire-formats.md D), and how it spreads
// its addresses over connections. Pure: no I/O.
//
// A mempool.space server tracks at most N addresses per websocket
// connection (MAX_TRACKED_ADDRESSES; the public instance does not publish
// its N). `{"track-addresses":[...]}` replaces the connection's whole set; a
// list longer than N is refused as a whole with
//   {"track-addresses-error":"too many addresses requested, this connection
//    supports tracking a maximum of N addresses"}
// and the connection then tracks nothing. So the source keeps the addresses
// in chunks of at most `limit`, one connection per chunk, and lowers `limit`
// to the N the server names (track_limit()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fw::decode::bitcoin {

// {"action":"want","data":["blocks"]}: `block` frames for every new block
// (and a `blocks` list of the latest ones at once, and after a reorg).
std::string want_blocks_request();
// {"action":"ping"}; the server answers {"pong":true} (a data frame, which
// keeps the source's stale watchdog quiet between blocks).
std::string ping_request();
// {"track-addresses":["a","b",...]} with the addresses JSON-escaped.
std::string track_addresses_request(const std::vector<std::string>& addresses);

// The N of "...supports tracking a maximum of N addresses" (the first
// number after "maximum"; else the last number in the text); nullopt when
// the text has none.
std::optional<std::uint32_t> track_limit(std::string_view error_text);

// Spreads `addresses` (sorted, unique) over chunks of at most `limit`
// (>= 1) addresses, keeping each address in the chunk it is in `current`
// when it still fits, so that a small watchlist change re-sends few
// chunks. Addresses not placed yet fill the chunks' free room in order,
// then new chunks. When no address stays where it was (a first plan), or
// when keeping them needs more chunks than a fresh split would
// (ceil(n / limit), at least 1), the result is a fresh, balanced split
// instead: consecutive runs of the sorted list, sizes differing by at most
// one, so every chunk has room for additions. Always at least one chunk
// (possibly empty).
std::vector<std::vector<std::string>> assign_chunks(const std::vector<std::vector<std::string>>& current,
                                                    const std::vector<std::string>& addresses, std::size_t limit);

}  // namespace fw::decode::bitcoin

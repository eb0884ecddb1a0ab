import Foundation
import Testing

/// Every end-to-end suite nests here so they run one at a time: they start real processes,
/// and the CPU % checks need the machine's second core free.
@Suite(.serialized, .enabled(if: geteuid() == 0, "end-to-end tests trace real processes as root"))
enum EndToEnd {}

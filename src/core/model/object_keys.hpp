#pragma once
// Object keys, built by the server only: no user-supplied text ever lands in a key. Raw uploads and
// job outputs live under disjoint prefixes, and raw_input_key() refuses anything that is not a raw
// key, so no step can take an output key as its input (the platform's "finalization fed processed
// keys back as raw keys" incident).

#include <string>
#include <string_view>

#include "core/model/error.hpp"
#include "core/model/ids.hpp"

namespace toq::core {

// listings/{listingId}/batches/{batchId}/raw/{assetId}
std::string raw_key(ListingId listing, BatchId batch, AssetId asset);
// listings/{listingId}/batches/{batchId}/out/{jobId}/{assetId}/{rendition}.{ext}
std::string output_key(ListingId listing, BatchId batch, JobId job, AssetId asset,
                       std::string_view rendition, std::string_view ext);
// listings/{listingId}/batches/{batchId}/out/{jobId}/archive.zip
std::string archive_key(ListingId listing, BatchId batch, JobId job);
// listings/{listingId}/batches/{batchId}/out/{jobId}/
std::string job_output_prefix(ListingId listing, BatchId batch, JobId job);
// The AWS path's documents under the run's prefix (docs/aws-pipeline.md): an asset's result,
// listings/{listingId}/batches/{batchId}/out/{jobId}/{assetId}/result.json, and the ZIP's,
// listings/{listingId}/batches/{batchId}/out/{jobId}/archive.json.
std::string result_document_key(ListingId listing, BatchId batch, JobId job, AssetId asset);
std::string archive_document_key(ListingId listing, BatchId batch, JobId job);

// The key itself when it is exactly a raw upload key of that listing and batch; INVALID_REQUEST
// otherwise (an output key, another batch's key, anything malformed).
Result<std::string> raw_input_key(std::string_view key, ListingId listing, BatchId batch);

}  // namespace toq::core

// The probe protocol on the shipped social network: which hidden units code the partner's position.
// Run from the repository root (the model lives in Models/spc).
import Foundation
import SocialPlaceCell

let network = try SocialGridCellNetwork.load(URL(fileURLWithPath: "Models/spc/model.safetensors"))
let analysis = SocialProbeAnalysis(network: network, repetitions: 10)
for type in SocialCellType.allCases {
    print(type.rawValue, analysis.count(type))
}
print(String(format: "partner decoded within %.2f cells", analysis.partnerPositionErrorCells))

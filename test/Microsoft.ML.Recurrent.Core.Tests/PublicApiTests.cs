using Microsoft.ML.Recurrent.Layers;
using Microsoft.ML.Recurrent.TestSupport;

namespace Microsoft.ML.Recurrent.Tests;

/// <summary>
/// The public API of the core library against PublicApi.approved.txt, so that API changes are visible in review.
/// After a deliberate change, copy the PublicApi.received.txt this test writes over the approved file.
/// </summary>
[TestClass]
public sealed class PublicApiTests
{
    [TestMethod]
    public void PublicApi_MatchesApprovedFile() =>
        PublicApiDescriber.AssertMatchesApproved(typeof(RecurrentLayer).Assembly, "test/Microsoft.ML.Recurrent.Core.Tests/TestData/PublicApi.approved.txt");

    [TestMethod]
    public void PublicApi_Plotting_MatchesApprovedFile() =>
        PublicApiDescriber.AssertMatchesApproved(typeof(Microsoft.ML.Recurrent.Plotting.TrainingPlots).Assembly, "test/Microsoft.ML.Recurrent.Core.Tests/TestData/PublicApi.Plotting.approved.txt");
}

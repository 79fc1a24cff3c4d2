using Microsoft.ML.Data;

namespace Microsoft.ML.Recurrent;

/// <summary>
/// The raw output of a multiclass classifier mapping: one probability column per class (up to
/// <see cref="MaxClasses"/>; the first C are concatenated into the known-size <c>Score</c> vector by a stock
/// Concatenate transform, so the evaluator sees a fixed size even after a reload) and the predicted class name.
/// Part of the saved-model contract: never change it.
/// </summary>
public sealed class RecurrentMulticlassOutput
{
    /// <summary>The largest number of classes a recurrent multiclass classifier supports.</summary>
    public const int MaxClasses = 64;

    /// <summary>The name of the predicted class.</summary>
    [ColumnName(RecurrentColumnNames.PredictedName)]
    public string PredictedName { get; set; } = "";

    /// <summary>Sets the probability of class <paramref name="index"/>.</summary>
    internal void SetScore(int index, float value)
    {
        switch (index)
        {
            case 0: S00 = value; break;
            case 1: S01 = value; break;
            case 2: S02 = value; break;
            case 3: S03 = value; break;
            case 4: S04 = value; break;
            case 5: S05 = value; break;
            case 6: S06 = value; break;
            case 7: S07 = value; break;
            case 8: S08 = value; break;
            case 9: S09 = value; break;
            case 10: S10 = value; break;
            case 11: S11 = value; break;
            case 12: S12 = value; break;
            case 13: S13 = value; break;
            case 14: S14 = value; break;
            case 15: S15 = value; break;
            case 16: S16 = value; break;
            case 17: S17 = value; break;
            case 18: S18 = value; break;
            case 19: S19 = value; break;
            case 20: S20 = value; break;
            case 21: S21 = value; break;
            case 22: S22 = value; break;
            case 23: S23 = value; break;
            case 24: S24 = value; break;
            case 25: S25 = value; break;
            case 26: S26 = value; break;
            case 27: S27 = value; break;
            case 28: S28 = value; break;
            case 29: S29 = value; break;
            case 30: S30 = value; break;
            case 31: S31 = value; break;
            case 32: S32 = value; break;
            case 33: S33 = value; break;
            case 34: S34 = value; break;
            case 35: S35 = value; break;
            case 36: S36 = value; break;
            case 37: S37 = value; break;
            case 38: S38 = value; break;
            case 39: S39 = value; break;
            case 40: S40 = value; break;
            case 41: S41 = value; break;
            case 42: S42 = value; break;
            case 43: S43 = value; break;
            case 44: S44 = value; break;
            case 45: S45 = value; break;
            case 46: S46 = value; break;
            case 47: S47 = value; break;
            case 48: S48 = value; break;
            case 49: S49 = value; break;
            case 50: S50 = value; break;
            case 51: S51 = value; break;
            case 52: S52 = value; break;
            case 53: S53 = value; break;
            case 54: S54 = value; break;
            case 55: S55 = value; break;
            case 56: S56 = value; break;
            case 57: S57 = value; break;
            case 58: S58 = value; break;
            case 59: S59 = value; break;
            case 60: S60 = value; break;
            case 61: S61 = value; break;
            case 62: S62 = value; break;
            case 63: S63 = value; break;
            default: throw new ArgumentOutOfRangeException(nameof(index), index, $"At most {MaxClasses} classes.");
        }
    }

    /// <summary>The name of the score column of class <paramref name="index"/>.</summary>
    public static string ScoreColumn(int index) => $"__RecurrentScore{index:00}";

    /// <summary>Probability of class 0.</summary>
    [ColumnName("__RecurrentScore00")]
    public float S00 { get; set; }

    /// <summary>Probability of class 1.</summary>
    [ColumnName("__RecurrentScore01")]
    public float S01 { get; set; }

    /// <summary>Probability of class 2.</summary>
    [ColumnName("__RecurrentScore02")]
    public float S02 { get; set; }

    /// <summary>Probability of class 3.</summary>
    [ColumnName("__RecurrentScore03")]
    public float S03 { get; set; }

    /// <summary>Probability of class 4.</summary>
    [ColumnName("__RecurrentScore04")]
    public float S04 { get; set; }

    /// <summary>Probability of class 5.</summary>
    [ColumnName("__RecurrentScore05")]
    public float S05 { get; set; }

    /// <summary>Probability of class 6.</summary>
    [ColumnName("__RecurrentScore06")]
    public float S06 { get; set; }

    /// <summary>Probability of class 7.</summary>
    [ColumnName("__RecurrentScore07")]
    public float S07 { get; set; }

    /// <summary>Probability of class 8.</summary>
    [ColumnName("__RecurrentScore08")]
    public float S08 { get; set; }

    /// <summary>Probability of class 9.</summary>
    [ColumnName("__RecurrentScore09")]
    public float S09 { get; set; }

    /// <summary>Probability of class 10.</summary>
    [ColumnName("__RecurrentScore10")]
    public float S10 { get; set; }

    /// <summary>Probability of class 11.</summary>
    [ColumnName("__RecurrentScore11")]
    public float S11 { get; set; }

    /// <summary>Probability of class 12.</summary>
    [ColumnName("__RecurrentScore12")]
    public float S12 { get; set; }

    /// <summary>Probability of class 13.</summary>
    [ColumnName("__RecurrentScore13")]
    public float S13 { get; set; }

    /// <summary>Probability of class 14.</summary>
    [ColumnName("__RecurrentScore14")]
    public float S14 { get; set; }

    /// <summary>Probability of class 15.</summary>
    [ColumnName("__RecurrentScore15")]
    public float S15 { get; set; }

    /// <summary>Probability of class 16.</summary>
    [ColumnName("__RecurrentScore16")]
    public float S16 { get; set; }

    /// <summary>Probability of class 17.</summary>
    [ColumnName("__RecurrentScore17")]
    public float S17 { get; set; }

    /// <summary>Probability of class 18.</summary>
    [ColumnName("__RecurrentScore18")]
    public float S18 { get; set; }

    /// <summary>Probability of class 19.</summary>
    [ColumnName("__RecurrentScore19")]
    public float S19 { get; set; }

    /// <summary>Probability of class 20.</summary>
    [ColumnName("__RecurrentScore20")]
    public float S20 { get; set; }

    /// <summary>Probability of class 21.</summary>
    [ColumnName("__RecurrentScore21")]
    public float S21 { get; set; }

    /// <summary>Probability of class 22.</summary>
    [ColumnName("__RecurrentScore22")]
    public float S22 { get; set; }

    /// <summary>Probability of class 23.</summary>
    [ColumnName("__RecurrentScore23")]
    public float S23 { get; set; }

    /// <summary>Probability of class 24.</summary>
    [ColumnName("__RecurrentScore24")]
    public float S24 { get; set; }

    /// <summary>Probability of class 25.</summary>
    [ColumnName("__RecurrentScore25")]
    public float S25 { get; set; }

    /// <summary>Probability of class 26.</summary>
    [ColumnName("__RecurrentScore26")]
    public float S26 { get; set; }

    /// <summary>Probability of class 27.</summary>
    [ColumnName("__RecurrentScore27")]
    public float S27 { get; set; }

    /// <summary>Probability of class 28.</summary>
    [ColumnName("__RecurrentScore28")]
    public float S28 { get; set; }

    /// <summary>Probability of class 29.</summary>
    [ColumnName("__RecurrentScore29")]
    public float S29 { get; set; }

    /// <summary>Probability of class 30.</summary>
    [ColumnName("__RecurrentScore30")]
    public float S30 { get; set; }

    /// <summary>Probability of class 31.</summary>
    [ColumnName("__RecurrentScore31")]
    public float S31 { get; set; }

    /// <summary>Probability of class 32.</summary>
    [ColumnName("__RecurrentScore32")]
    public float S32 { get; set; }

    /// <summary>Probability of class 33.</summary>
    [ColumnName("__RecurrentScore33")]
    public float S33 { get; set; }

    /// <summary>Probability of class 34.</summary>
    [ColumnName("__RecurrentScore34")]
    public float S34 { get; set; }

    /// <summary>Probability of class 35.</summary>
    [ColumnName("__RecurrentScore35")]
    public float S35 { get; set; }

    /// <summary>Probability of class 36.</summary>
    [ColumnName("__RecurrentScore36")]
    public float S36 { get; set; }

    /// <summary>Probability of class 37.</summary>
    [ColumnName("__RecurrentScore37")]
    public float S37 { get; set; }

    /// <summary>Probability of class 38.</summary>
    [ColumnName("__RecurrentScore38")]
    public float S38 { get; set; }

    /// <summary>Probability of class 39.</summary>
    [ColumnName("__RecurrentScore39")]
    public float S39 { get; set; }

    /// <summary>Probability of class 40.</summary>
    [ColumnName("__RecurrentScore40")]
    public float S40 { get; set; }

    /// <summary>Probability of class 41.</summary>
    [ColumnName("__RecurrentScore41")]
    public float S41 { get; set; }

    /// <summary>Probability of class 42.</summary>
    [ColumnName("__RecurrentScore42")]
    public float S42 { get; set; }

    /// <summary>Probability of class 43.</summary>
    [ColumnName("__RecurrentScore43")]
    public float S43 { get; set; }

    /// <summary>Probability of class 44.</summary>
    [ColumnName("__RecurrentScore44")]
    public float S44 { get; set; }

    /// <summary>Probability of class 45.</summary>
    [ColumnName("__RecurrentScore45")]
    public float S45 { get; set; }

    /// <summary>Probability of class 46.</summary>
    [ColumnName("__RecurrentScore46")]
    public float S46 { get; set; }

    /// <summary>Probability of class 47.</summary>
    [ColumnName("__RecurrentScore47")]
    public float S47 { get; set; }

    /// <summary>Probability of class 48.</summary>
    [ColumnName("__RecurrentScore48")]
    public float S48 { get; set; }

    /// <summary>Probability of class 49.</summary>
    [ColumnName("__RecurrentScore49")]
    public float S49 { get; set; }

    /// <summary>Probability of class 50.</summary>
    [ColumnName("__RecurrentScore50")]
    public float S50 { get; set; }

    /// <summary>Probability of class 51.</summary>
    [ColumnName("__RecurrentScore51")]
    public float S51 { get; set; }

    /// <summary>Probability of class 52.</summary>
    [ColumnName("__RecurrentScore52")]
    public float S52 { get; set; }

    /// <summary>Probability of class 53.</summary>
    [ColumnName("__RecurrentScore53")]
    public float S53 { get; set; }

    /// <summary>Probability of class 54.</summary>
    [ColumnName("__RecurrentScore54")]
    public float S54 { get; set; }

    /// <summary>Probability of class 55.</summary>
    [ColumnName("__RecurrentScore55")]
    public float S55 { get; set; }

    /// <summary>Probability of class 56.</summary>
    [ColumnName("__RecurrentScore56")]
    public float S56 { get; set; }

    /// <summary>Probability of class 57.</summary>
    [ColumnName("__RecurrentScore57")]
    public float S57 { get; set; }

    /// <summary>Probability of class 58.</summary>
    [ColumnName("__RecurrentScore58")]
    public float S58 { get; set; }

    /// <summary>Probability of class 59.</summary>
    [ColumnName("__RecurrentScore59")]
    public float S59 { get; set; }

    /// <summary>Probability of class 60.</summary>
    [ColumnName("__RecurrentScore60")]
    public float S60 { get; set; }

    /// <summary>Probability of class 61.</summary>
    [ColumnName("__RecurrentScore61")]
    public float S61 { get; set; }

    /// <summary>Probability of class 62.</summary>
    [ColumnName("__RecurrentScore62")]
    public float S62 { get; set; }

    /// <summary>Probability of class 63.</summary>
    [ColumnName("__RecurrentScore63")]
    public float S63 { get; set; }

}

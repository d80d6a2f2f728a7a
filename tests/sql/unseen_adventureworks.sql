-- AdventureWorks as its PostgreSQL port ("AdventureWorks-for-Postgres") has it, from memory and shrunk to 28 of its
-- 68 tables: five schemas, the user domains ("Name", "Flag" boolean NOT NULL, "NameStyle", "Phone", "AccountNumber",
-- "OrderNumber"), unquoted (so lower-case) tables and columns beside quoted mixed-case constraint names, uuid rowguid
-- columns (gen_random_uuid(): no extension needed), xml columns (contact info, demographics, catalog descriptions,
-- resumes), unconstrained numeric for money, CHECK constraints (some with now(), some across columns),
-- composite primary keys of foreign keys, a composite foreign key, a column named "group", generated totals,
-- unique indexes on names and rowguids, comments, views (xpath over xml) and a materialized view in the schemas,
-- and the port's short-name schema "pe" that holds only views.
CREATE DOMAIN "OrderNumber" varchar(25) NULL;
CREATE DOMAIN "AccountNumber" varchar(15) NULL;
CREATE DOMAIN "Flag" boolean NOT NULL;
CREATE DOMAIN "NameStyle" boolean NOT NULL;
CREATE DOMAIN "Name" varchar(50) NULL;
CREATE DOMAIN "Phone" varchar(25) NULL;

CREATE SCHEMA person;
CREATE SCHEMA humanresources;
CREATE SCHEMA production;
CREATE SCHEMA purchasing;
CREATE SCHEMA sales;
COMMENT ON SCHEMA person IS 'Contains objects related to names and addresses of customers, vendors, and employees';

-- person ---------------------------------------------------------------------------------------------------------
CREATE TABLE person.countryregion (
  countryregioncode varchar(3) NOT NULL, name "Name" NOT NULL,
  modifieddate timestamp NOT NULL CONSTRAINT "DF_CountryRegion_ModifiedDate" DEFAULT (now()),
  CONSTRAINT "PK_CountryRegion_CountryRegionCode" PRIMARY KEY (countryregioncode));
CREATE TABLE sales.salesterritory (
  territoryid serial NOT NULL, name "Name" NOT NULL, countryregioncode varchar(3) NOT NULL, "group" varchar(50) NOT NULL,
  salesytd numeric NOT NULL CONSTRAINT "DF_SalesTerritory_SalesYTD" DEFAULT (0.00),
  saleslastyear numeric NOT NULL DEFAULT (0.00), costytd numeric NOT NULL DEFAULT (0.00), costlastyear numeric NOT NULL DEFAULT (0.00),
  rowguid uuid NOT NULL DEFAULT gen_random_uuid(), modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "CK_SalesTerritory_SalesYTD" CHECK (salesytd >= 0.00),
  CONSTRAINT "CK_SalesTerritory_SalesLastYear" CHECK (saleslastyear >= 0.00),
  CONSTRAINT "CK_SalesTerritory_CostYTD" CHECK (costytd >= 0.00),
  CONSTRAINT "CK_SalesTerritory_CostLastYear" CHECK (costlastyear >= 0.00),
  CONSTRAINT "PK_SalesTerritory_TerritoryID" PRIMARY KEY (territoryid),
  CONSTRAINT "FK_SalesTerritory_CountryRegion_CountryRegionCode" FOREIGN KEY (countryregioncode) REFERENCES person.countryregion (countryregioncode));
CREATE TABLE person.stateprovince (
  stateprovinceid serial NOT NULL, stateprovincecode char(3) NOT NULL, countryregioncode varchar(3) NOT NULL,
  isonlystateprovinceflag "Flag" NOT NULL DEFAULT (true), name "Name" NOT NULL, territoryid int NOT NULL,
  rowguid uuid NOT NULL DEFAULT gen_random_uuid(), modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "PK_StateProvince_StateProvinceID" PRIMARY KEY (stateprovinceid),
  CONSTRAINT "FK_StateProvince_CountryRegion_CountryRegionCode" FOREIGN KEY (countryregioncode) REFERENCES person.countryregion (countryregioncode),
  CONSTRAINT "FK_StateProvince_SalesTerritory_TerritoryID" FOREIGN KEY (territoryid) REFERENCES sales.salesterritory (territoryid));
CREATE UNIQUE INDEX "AK_StateProvince_Name" ON person.stateprovince (name);
CREATE UNIQUE INDEX "AK_StateProvince_StateProvinceCode_CountryRegionCode" ON person.stateprovince (stateprovincecode, countryregioncode);
CREATE TABLE person.address (
  addressid serial NOT NULL, addressline1 varchar(60) NOT NULL, addressline2 varchar(60) NULL, city varchar(30) NOT NULL,
  stateprovinceid int NOT NULL, postalcode varchar(15) NOT NULL, spatiallocation varchar(44) NULL,
  rowguid uuid NOT NULL DEFAULT gen_random_uuid(), modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "PK_Address_AddressID" PRIMARY KEY (addressid),
  CONSTRAINT "FK_Address_StateProvince_StateProvinceID" FOREIGN KEY (stateprovinceid) REFERENCES person.stateprovince (stateprovinceid));
CREATE UNIQUE INDEX "AK_Address_rowguid" ON person.address (rowguid);
COMMENT ON TABLE person.address IS 'Street address information for customers, employees, and vendors.';
COMMENT ON COLUMN person.address.addressline1 IS 'First street address line.';
CREATE TABLE person.addresstype (
  addresstypeid serial NOT NULL, name "Name" NOT NULL, rowguid uuid NOT NULL DEFAULT gen_random_uuid(),
  modifieddate timestamp NOT NULL DEFAULT (now()), CONSTRAINT "PK_AddressType_AddressTypeID" PRIMARY KEY (addresstypeid));
CREATE TABLE person.businessentity (
  businessentityid serial NOT NULL, rowguid uuid NOT NULL CONSTRAINT "DF_BusinessEntity_rowguid" DEFAULT gen_random_uuid(),
  modifieddate timestamp NOT NULL DEFAULT (now()), CONSTRAINT "PK_BusinessEntity_BusinessEntityID" PRIMARY KEY (businessentityid));
CREATE TABLE person.person (
  businessentityid int NOT NULL, persontype char(2) NOT NULL,
  namestyle "NameStyle" NOT NULL CONSTRAINT "DF_Person_NameStyle" DEFAULT (false),
  title varchar(8) NULL, firstname "Name" NOT NULL, middlename "Name" NULL, lastname "Name" NOT NULL, suffix varchar(10) NULL,
  emailpromotion int NOT NULL CONSTRAINT "DF_Person_EmailPromotion" DEFAULT (0),
  additionalcontactinfo xml NULL, demographics xml NULL,
  rowguid uuid NOT NULL DEFAULT gen_random_uuid(), modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "CK_Person_EmailPromotion" CHECK (emailpromotion BETWEEN 0 AND 2),
  CONSTRAINT "CK_Person_PersonType" CHECK (persontype IS NULL OR upper(persontype) IN ('SC', 'VC', 'IN', 'EM', 'SP', 'GC')),
  CONSTRAINT "PK_Person_BusinessEntityID" PRIMARY KEY (businessentityid),
  CONSTRAINT "FK_Person_BusinessEntity_BusinessEntityID" FOREIGN KEY (businessentityid) REFERENCES person.businessentity (businessentityid));
COMMENT ON COLUMN person.person.demographics IS 'Personal information such as hobbies, and income collected from online shoppers. Used for sales analysis.';
CREATE TABLE person.businessentityaddress (
  businessentityid int NOT NULL, addressid int NOT NULL, addresstypeid int NOT NULL,
  rowguid uuid NOT NULL DEFAULT gen_random_uuid(), modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "PK_BusinessEntityAddress_BusinessEntityID_AddressID_AddressType" PRIMARY KEY (businessentityid, addressid, addresstypeid),
  CONSTRAINT "FK_BusinessEntityAddress_Address_AddressID" FOREIGN KEY (addressid) REFERENCES person.address (addressid),
  CONSTRAINT "FK_BusinessEntityAddress_AddressType_AddressTypeID" FOREIGN KEY (addresstypeid) REFERENCES person.addresstype (addresstypeid),
  CONSTRAINT "FK_BusinessEntityAddress_BusinessEntity_BusinessEntityID" FOREIGN KEY (businessentityid) REFERENCES person.businessentity (businessentityid));
CREATE TABLE person.emailaddress (
  businessentityid int NOT NULL, emailaddressid serial NOT NULL, emailaddress varchar(50) NULL,
  rowguid uuid NOT NULL DEFAULT gen_random_uuid(), modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "PK_EmailAddress_BusinessEntityID_EmailAddressID" PRIMARY KEY (businessentityid, emailaddressid),
  CONSTRAINT "FK_EmailAddress_Person_BusinessEntityID" FOREIGN KEY (businessentityid) REFERENCES person.person (businessentityid));
CREATE TABLE person.phonenumbertype (
  phonenumbertypeid serial NOT NULL, name "Name" NOT NULL, modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "PK_PhoneNumberType_PhoneNumberTypeID" PRIMARY KEY (phonenumbertypeid));
CREATE TABLE person.personphone (
  businessentityid int NOT NULL, phonenumber "Phone" NOT NULL, phonenumbertypeid int NOT NULL,
  modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "PK_PersonPhone_BusinessEntityID_PhoneNumber_PhoneNumberTypeID" PRIMARY KEY (businessentityid, phonenumber, phonenumbertypeid),
  CONSTRAINT "FK_PersonPhone_Person_BusinessEntityID" FOREIGN KEY (businessentityid) REFERENCES person.person (businessentityid),
  CONSTRAINT "FK_PersonPhone_PhoneNumberType_PhoneNumberTypeID" FOREIGN KEY (phonenumbertypeid) REFERENCES person.phonenumbertype (phonenumbertypeid));

-- humanresources --------------------------------------------------------------------------------------------------
CREATE TABLE humanresources.department (
  departmentid serial NOT NULL, name "Name" NOT NULL, groupname "Name" NOT NULL, modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "PK_Department_DepartmentID" PRIMARY KEY (departmentid));
CREATE UNIQUE INDEX "AK_Department_Name" ON humanresources.department (name);
CREATE TABLE humanresources.shift (
  shiftid serial NOT NULL, name "Name" NOT NULL, starttime time NOT NULL, endtime time NOT NULL,
  modifieddate timestamp NOT NULL DEFAULT (now()), CONSTRAINT "PK_Shift_ShiftID" PRIMARY KEY (shiftid));
CREATE UNIQUE INDEX "AK_Shift_StartTime_EndTime" ON humanresources.shift (starttime, endtime);
CREATE TABLE humanresources.employee (
  businessentityid int NOT NULL, nationalidnumber varchar(15) NOT NULL, loginid varchar(256) NOT NULL,
  organizationnode varchar DEFAULT '/', organizationlevel int NULL, jobtitle varchar(50) NOT NULL, birthdate date NOT NULL,
  maritalstatus char(1) NOT NULL, gender char(1) NOT NULL, hiredate date NOT NULL,
  salariedflag "Flag" NOT NULL DEFAULT (true), vacationhours smallint NOT NULL DEFAULT (0),
  sickleavehours smallint NOT NULL DEFAULT (0), currentflag "Flag" NOT NULL DEFAULT (true),
  rowguid uuid NOT NULL DEFAULT gen_random_uuid(), modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "CK_Employee_BirthDate" CHECK (birthdate BETWEEN '1930-01-01' AND now() - interval '18 years'),
  CONSTRAINT "CK_Employee_MaritalStatus" CHECK (upper(maritalstatus) IN ('M', 'S')),
  CONSTRAINT "CK_Employee_HireDate" CHECK (hiredate BETWEEN '1996-07-01' AND now() + interval '1 day'),
  CONSTRAINT "CK_Employee_Gender" CHECK (upper(gender) IN ('M', 'F')),
  CONSTRAINT "CK_Employee_VacationHours" CHECK (vacationhours BETWEEN -40 AND 240),
  CONSTRAINT "CK_Employee_SickLeaveHours" CHECK (sickleavehours BETWEEN 0 AND 120),
  CONSTRAINT "PK_Employee_BusinessEntityID" PRIMARY KEY (businessentityid),
  CONSTRAINT "FK_Employee_Person_BusinessEntityID" FOREIGN KEY (businessentityid) REFERENCES person.person (businessentityid));
CREATE UNIQUE INDEX "AK_Employee_LoginID" ON humanresources.employee (loginid);
CREATE UNIQUE INDEX "AK_Employee_NationalIDNumber" ON humanresources.employee (nationalidnumber);
CREATE TABLE humanresources.employeedepartmenthistory (
  businessentityid int NOT NULL, departmentid smallint NOT NULL, shiftid smallint NOT NULL, startdate date NOT NULL,
  enddate date NULL, modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "CK_EmployeeDepartmentHistory_EndDate" CHECK ((enddate >= startdate) OR (enddate IS NULL)),
  CONSTRAINT "PK_EmployeeDepartmentHistory_BusinessEntityID_StartDate_Departm" PRIMARY KEY (businessentityid, startdate, departmentid, shiftid),
  CONSTRAINT "FK_EmployeeDepartmentHistory_Department_DepartmentID" FOREIGN KEY (departmentid) REFERENCES humanresources.department (departmentid),
  CONSTRAINT "FK_EmployeeDepartmentHistory_Employee_BusinessEntityID" FOREIGN KEY (businessentityid) REFERENCES humanresources.employee (businessentityid),
  CONSTRAINT "FK_EmployeeDepartmentHistory_Shift_ShiftID" FOREIGN KEY (shiftid) REFERENCES humanresources.shift (shiftid));
CREATE TABLE humanresources.employeepayhistory (
  businessentityid int NOT NULL, ratechangedate timestamp NOT NULL, rate numeric NOT NULL, payfrequency smallint NOT NULL,
  modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "CK_EmployeePayHistory_PayFrequency" CHECK (payfrequency IN (1, 2)),
  CONSTRAINT "CK_EmployeePayHistory_Rate" CHECK (rate BETWEEN 6.50 AND 200.00),
  CONSTRAINT "PK_EmployeePayHistory_BusinessEntityID_RateChangeDate" PRIMARY KEY (businessentityid, ratechangedate),
  CONSTRAINT "FK_EmployeePayHistory_Employee_BusinessEntityID" FOREIGN KEY (businessentityid) REFERENCES humanresources.employee (businessentityid));
CREATE TABLE humanresources.jobcandidate (
  jobcandidateid serial NOT NULL, businessentityid int NULL, resume xml NULL, modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "PK_JobCandidate_JobCandidateID" PRIMARY KEY (jobcandidateid),
  CONSTRAINT "FK_JobCandidate_Employee_BusinessEntityID" FOREIGN KEY (businessentityid) REFERENCES humanresources.employee (businessentityid));

-- production ------------------------------------------------------------------------------------------------------
CREATE TABLE production.productcategory (
  productcategoryid serial NOT NULL, name "Name" NOT NULL, rowguid uuid NOT NULL DEFAULT gen_random_uuid(),
  modifieddate timestamp NOT NULL DEFAULT (now()), CONSTRAINT "PK_ProductCategory_ProductCategoryID" PRIMARY KEY (productcategoryid));
CREATE TABLE production.productsubcategory (
  productsubcategoryid serial NOT NULL, productcategoryid int NOT NULL, name "Name" NOT NULL,
  rowguid uuid NOT NULL DEFAULT gen_random_uuid(), modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "PK_ProductSubcategory_ProductSubcategoryID" PRIMARY KEY (productsubcategoryid),
  CONSTRAINT "FK_ProductSubcategory_ProductCategory_ProductCategoryID" FOREIGN KEY (productcategoryid) REFERENCES production.productcategory (productcategoryid));
CREATE TABLE production.productmodel (
  productmodelid serial NOT NULL, name "Name" NOT NULL, catalogdescription xml NULL, instructions xml NULL,
  rowguid uuid NOT NULL DEFAULT gen_random_uuid(), modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "PK_ProductModel_ProductModelID" PRIMARY KEY (productmodelid));
CREATE TABLE production.unitmeasure (
  unitmeasurecode char(3) NOT NULL, name "Name" NOT NULL, modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "PK_UnitMeasure_UnitMeasureCode" PRIMARY KEY (unitmeasurecode));
CREATE TABLE production.product (
  productid serial NOT NULL, name "Name" NOT NULL, productnumber varchar(25) NOT NULL,
  makeflag "Flag" NOT NULL DEFAULT (true), finishedgoodsflag "Flag" NOT NULL DEFAULT (true), color varchar(15) NULL,
  safetystocklevel smallint NOT NULL, reorderpoint smallint NOT NULL, standardcost numeric NOT NULL, listprice numeric NOT NULL,
  size varchar(5) NULL, sizeunitmeasurecode char(3) NULL, weightunitmeasurecode char(3) NULL, weight decimal(8, 2) NULL,
  daystomanufacture int NOT NULL, productline char(2) NULL, class char(2) NULL, style char(2) NULL,
  productsubcategoryid int NULL, productmodelid int NULL, sellstartdate timestamp NOT NULL, sellenddate timestamp NULL,
  discontinueddate timestamp NULL, rowguid uuid NOT NULL DEFAULT gen_random_uuid(), modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "CK_Product_SafetyStockLevel" CHECK (safetystocklevel > 0),
  CONSTRAINT "CK_Product_ReorderPoint" CHECK (reorderpoint > 0),
  CONSTRAINT "CK_Product_StandardCost" CHECK (standardcost >= 0.00),
  CONSTRAINT "CK_Product_ListPrice" CHECK (listprice >= 0.00),
  CONSTRAINT "CK_Product_Weight" CHECK (weight > 0.00),
  CONSTRAINT "CK_Product_DaysToManufacture" CHECK (daystomanufacture >= 0),
  CONSTRAINT "CK_Product_ProductLine" CHECK (upper(productline) IN ('S', 'T', 'M', 'R') OR productline IS NULL),
  CONSTRAINT "CK_Product_Class" CHECK (upper(class) IN ('L', 'M', 'H') OR class IS NULL),
  CONSTRAINT "CK_Product_Style" CHECK (upper(style) IN ('W', 'M', 'U') OR style IS NULL),
  CONSTRAINT "CK_Product_SellEndDate" CHECK ((sellenddate >= sellstartdate) OR (sellenddate IS NULL)),
  CONSTRAINT "PK_Product_ProductID" PRIMARY KEY (productid),
  CONSTRAINT "FK_Product_UnitMeasure_SizeUnitMeasureCode" FOREIGN KEY (sizeunitmeasurecode) REFERENCES production.unitmeasure (unitmeasurecode),
  CONSTRAINT "FK_Product_UnitMeasure_WeightUnitMeasureCode" FOREIGN KEY (weightunitmeasurecode) REFERENCES production.unitmeasure (unitmeasurecode),
  CONSTRAINT "FK_Product_ProductModel_ProductModelID" FOREIGN KEY (productmodelid) REFERENCES production.productmodel (productmodelid),
  CONSTRAINT "FK_Product_ProductSubcategory_ProductSubcategoryID" FOREIGN KEY (productsubcategoryid) REFERENCES production.productsubcategory (productsubcategoryid));
CREATE UNIQUE INDEX "AK_Product_ProductNumber" ON production.product (productnumber);
CREATE UNIQUE INDEX "AK_Product_Name" ON production.product (name);
CREATE TABLE production.location (
  locationid serial NOT NULL, name "Name" NOT NULL, costrate numeric NOT NULL DEFAULT (0.00),
  availability decimal(8, 2) NOT NULL DEFAULT (0.00), modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "CK_Location_CostRate" CHECK (costrate >= 0.00),
  CONSTRAINT "CK_Location_Availability" CHECK (availability >= 0.00),
  CONSTRAINT "PK_Location_LocationID" PRIMARY KEY (locationid));
CREATE TABLE production.productinventory (
  productid int NOT NULL, locationid smallint NOT NULL, shelf varchar(10) NOT NULL, bin smallint NOT NULL,
  quantity smallint NOT NULL DEFAULT (0), rowguid uuid NOT NULL DEFAULT gen_random_uuid(), modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "CK_ProductInventory_Shelf" CHECK ((shelf ~ '^[A-Za-z]$') OR (shelf = 'N/A')),
  CONSTRAINT "CK_ProductInventory_Bin" CHECK (bin BETWEEN 0 AND 100),
  CONSTRAINT "PK_ProductInventory_ProductID_LocationID" PRIMARY KEY (productid, locationid),
  CONSTRAINT "FK_ProductInventory_Location_LocationID" FOREIGN KEY (locationid) REFERENCES production.location (locationid),
  CONSTRAINT "FK_ProductInventory_Product_ProductID" FOREIGN KEY (productid) REFERENCES production.product (productid));
CREATE TABLE production.productlistpricehistory (
  productid int NOT NULL, startdate timestamp NOT NULL, enddate timestamp NULL, listprice numeric NOT NULL,
  modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "CK_ProductListPriceHistory_EndDate" CHECK ((enddate >= startdate) OR (enddate IS NULL)),
  CONSTRAINT "CK_ProductListPriceHistory_ListPrice" CHECK (listprice > 0.00),
  CONSTRAINT "PK_ProductListPriceHistory_ProductID_StartDate" PRIMARY KEY (productid, startdate),
  CONSTRAINT "FK_ProductListPriceHistory_Product_ProductID" FOREIGN KEY (productid) REFERENCES production.product (productid));
CREATE TABLE production.billofmaterials (
  billofmaterialsid serial NOT NULL, productassemblyid int NULL, componentid int NOT NULL,
  startdate timestamp NOT NULL DEFAULT (now()), enddate timestamp NULL, unitmeasurecode char(3) NOT NULL,
  bomlevel smallint NOT NULL, perassemblyqty decimal(8, 2) NOT NULL DEFAULT (1.00), modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "CK_BillOfMaterials_EndDate" CHECK ((enddate > startdate) OR (enddate IS NULL)),
  CONSTRAINT "CK_BillOfMaterials_ProductAssemblyID" CHECK (productassemblyid <> componentid),
  CONSTRAINT "CK_BillOfMaterials_BOMLevel" CHECK (((productassemblyid IS NULL) AND (bomlevel = 0) AND (perassemblyqty = 1.00))
                                                   OR ((productassemblyid IS NOT NULL) AND (bomlevel >= 1))),
  CONSTRAINT "CK_BillOfMaterials_PerAssemblyQty" CHECK (perassemblyqty >= 1.00),
  CONSTRAINT "PK_BillOfMaterials_BillOfMaterialsID" PRIMARY KEY (billofmaterialsid),
  CONSTRAINT "FK_BillOfMaterials_Product_ProductAssemblyID" FOREIGN KEY (productassemblyid) REFERENCES production.product (productid),
  CONSTRAINT "FK_BillOfMaterials_Product_ComponentID" FOREIGN KEY (componentid) REFERENCES production.product (productid),
  CONSTRAINT "FK_BillOfMaterials_UnitMeasure_UnitMeasureCode" FOREIGN KEY (unitmeasurecode) REFERENCES production.unitmeasure (unitmeasurecode));
CREATE UNIQUE INDEX "AK_BillOfMaterials_ProductAssemblyID_ComponentID_StartDate" ON production.billofmaterials (productassemblyid, componentid, startdate);

-- purchasing ------------------------------------------------------------------------------------------------------
CREATE TABLE purchasing.shipmethod (
  shipmethodid serial NOT NULL, name "Name" NOT NULL, shipbase numeric NOT NULL DEFAULT (0.00), shiprate numeric NOT NULL DEFAULT (0.00),
  rowguid uuid NOT NULL DEFAULT gen_random_uuid(), modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "CK_ShipMethod_ShipBase" CHECK (shipbase > 0.00), CONSTRAINT "CK_ShipMethod_ShipRate" CHECK (shiprate > 0.00),
  CONSTRAINT "PK_ShipMethod_ShipMethodID" PRIMARY KEY (shipmethodid));
CREATE TABLE purchasing.vendor (
  businessentityid int NOT NULL, accountnumber "AccountNumber" NOT NULL, name "Name" NOT NULL, creditrating smallint NOT NULL,
  preferredvendorstatus "Flag" NOT NULL DEFAULT (true), activeflag "Flag" NOT NULL DEFAULT (true),
  purchasingwebserviceurl varchar(1024) NULL, modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "CK_Vendor_CreditRating" CHECK (creditrating BETWEEN 1 AND 5),
  CONSTRAINT "PK_Vendor_BusinessEntityID" PRIMARY KEY (businessentityid),
  CONSTRAINT "FK_Vendor_BusinessEntity_BusinessEntityID" FOREIGN KEY (businessentityid) REFERENCES person.businessentity (businessentityid));
CREATE TABLE purchasing.productvendor (
  productid int NOT NULL, businessentityid int NOT NULL, averageleadtime int NOT NULL, standardprice numeric NOT NULL,
  lastreceiptcost numeric NULL, lastreceiptdate timestamp NULL, minorderqty int NOT NULL, maxorderqty int NOT NULL,
  onorderqty int NULL, unitmeasurecode char(3) NOT NULL, modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "CK_ProductVendor_AverageLeadTime" CHECK (averageleadtime >= 1),
  CONSTRAINT "CK_ProductVendor_StandardPrice" CHECK (standardprice > 0.00),
  CONSTRAINT "CK_ProductVendor_LastReceiptCost" CHECK (lastreceiptcost > 0.00),
  CONSTRAINT "CK_ProductVendor_MinOrderQty" CHECK (minorderqty >= 1),
  CONSTRAINT "CK_ProductVendor_MaxOrderQty" CHECK (maxorderqty >= 1),
  CONSTRAINT "CK_ProductVendor_OnOrderQty" CHECK (onorderqty >= 0),
  CONSTRAINT "PK_ProductVendor_ProductID_BusinessEntityID" PRIMARY KEY (productid, businessentityid),
  CONSTRAINT "FK_ProductVendor_Product_ProductID" FOREIGN KEY (productid) REFERENCES production.product (productid),
  CONSTRAINT "FK_ProductVendor_UnitMeasure_UnitMeasureCode" FOREIGN KEY (unitmeasurecode) REFERENCES production.unitmeasure (unitmeasurecode),
  CONSTRAINT "FK_ProductVendor_Vendor_BusinessEntityID" FOREIGN KEY (businessentityid) REFERENCES purchasing.vendor (businessentityid));
CREATE TABLE purchasing.purchaseorderheader (
  purchaseorderid serial NOT NULL, revisionnumber smallint NOT NULL DEFAULT (0), status smallint NOT NULL DEFAULT (1),
  employeeid int NOT NULL, vendorid int NOT NULL, shipmethodid int NOT NULL, orderdate timestamp NOT NULL DEFAULT (now()),
  shipdate timestamp NULL, subtotal numeric NOT NULL DEFAULT (0.00), taxamt numeric NOT NULL DEFAULT (0.00),
  freight numeric NOT NULL DEFAULT (0.00), modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "CK_PurchaseOrderHeader_Status" CHECK (status BETWEEN 1 AND 4),
  CONSTRAINT "CK_PurchaseOrderHeader_ShipDate" CHECK ((shipdate >= orderdate) OR (shipdate IS NULL)),
  CONSTRAINT "CK_PurchaseOrderHeader_SubTotal" CHECK (subtotal >= 0.00),
  CONSTRAINT "CK_PurchaseOrderHeader_TaxAmt" CHECK (taxamt >= 0.00),
  CONSTRAINT "CK_PurchaseOrderHeader_Freight" CHECK (freight >= 0.00),
  CONSTRAINT "PK_PurchaseOrderHeader_PurchaseOrderID" PRIMARY KEY (purchaseorderid),
  CONSTRAINT "FK_PurchaseOrderHeader_Employee_EmployeeID" FOREIGN KEY (employeeid) REFERENCES humanresources.employee (businessentityid),
  CONSTRAINT "FK_PurchaseOrderHeader_Vendor_VendorID" FOREIGN KEY (vendorid) REFERENCES purchasing.vendor (businessentityid),
  CONSTRAINT "FK_PurchaseOrderHeader_ShipMethod_ShipMethodID" FOREIGN KEY (shipmethodid) REFERENCES purchasing.shipmethod (shipmethodid));
CREATE TABLE purchasing.purchaseorderdetail (
  purchaseorderid int NOT NULL, purchaseorderdetailid serial NOT NULL, duedate timestamp NOT NULL, orderqty smallint NOT NULL,
  productid int NOT NULL, unitprice numeric NOT NULL, receivedqty decimal(8, 2) NOT NULL, rejectedqty decimal(8, 2) NOT NULL,
  modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "CK_PurchaseOrderDetail_OrderQty" CHECK (orderqty > 0),
  CONSTRAINT "CK_PurchaseOrderDetail_UnitPrice" CHECK (unitprice >= 0.00),
  CONSTRAINT "CK_PurchaseOrderDetail_ReceivedQty" CHECK (receivedqty >= 0.00),
  CONSTRAINT "CK_PurchaseOrderDetail_RejectedQty" CHECK (rejectedqty >= 0.00),
  CONSTRAINT "PK_PurchaseOrderDetail_PurchaseOrderID_PurchaseOrderDetailID" PRIMARY KEY (purchaseorderid, purchaseorderdetailid),
  CONSTRAINT "FK_PurchaseOrderDetail_Product_ProductID" FOREIGN KEY (productid) REFERENCES production.product (productid),
  CONSTRAINT "FK_PurchaseOrderDetail_PurchaseOrderHeader_PurchaseOrderID" FOREIGN KEY (purchaseorderid) REFERENCES purchasing.purchaseorderheader (purchaseorderid));

-- sales -----------------------------------------------------------------------------------------------------------
CREATE TABLE sales.currency (
  currencycode char(3) NOT NULL, name "Name" NOT NULL, modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "PK_Currency_CurrencyCode" PRIMARY KEY (currencycode));
CREATE TABLE sales.salesperson (
  businessentityid int NOT NULL, territoryid int NULL, salesquota numeric NULL, bonus numeric NOT NULL DEFAULT (0.00),
  commissionpct numeric NOT NULL DEFAULT (0.00), salesytd numeric NOT NULL DEFAULT (0.00), saleslastyear numeric NOT NULL DEFAULT (0.00),
  rowguid uuid NOT NULL DEFAULT gen_random_uuid(), modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "CK_SalesPerson_SalesQuota" CHECK (salesquota > 0.00),
  CONSTRAINT "CK_SalesPerson_Bonus" CHECK (bonus >= 0.00),
  CONSTRAINT "CK_SalesPerson_CommissionPct" CHECK (commissionpct >= 0.00),
  CONSTRAINT "CK_SalesPerson_SalesYTD" CHECK (salesytd >= 0.00),
  CONSTRAINT "CK_SalesPerson_SalesLastYear" CHECK (saleslastyear >= 0.00),
  CONSTRAINT "PK_SalesPerson_BusinessEntityID" PRIMARY KEY (businessentityid),
  CONSTRAINT "FK_SalesPerson_Employee_BusinessEntityID" FOREIGN KEY (businessentityid) REFERENCES humanresources.employee (businessentityid),
  CONSTRAINT "FK_SalesPerson_SalesTerritory_TerritoryID" FOREIGN KEY (territoryid) REFERENCES sales.salesterritory (territoryid));
CREATE TABLE sales.store (
  businessentityid int NOT NULL, name "Name" NOT NULL, salespersonid int NULL, demographics xml NULL,
  rowguid uuid NOT NULL DEFAULT gen_random_uuid(), modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "PK_Store_BusinessEntityID" PRIMARY KEY (businessentityid),
  CONSTRAINT "FK_Store_BusinessEntity_BusinessEntityID" FOREIGN KEY (businessentityid) REFERENCES person.businessentity (businessentityid),
  CONSTRAINT "FK_Store_SalesPerson_SalesPersonID" FOREIGN KEY (salespersonid) REFERENCES sales.salesperson (businessentityid));
CREATE TABLE sales.customer (
  customerid serial NOT NULL, personid int NULL, storeid int NULL, territoryid int NULL,
  rowguid uuid NOT NULL DEFAULT gen_random_uuid(), modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "PK_Customer_CustomerID" PRIMARY KEY (customerid),
  CONSTRAINT "FK_Customer_Person_PersonID" FOREIGN KEY (personid) REFERENCES person.person (businessentityid),
  CONSTRAINT "FK_Customer_Store_StoreID" FOREIGN KEY (storeid) REFERENCES sales.store (businessentityid),
  CONSTRAINT "FK_Customer_SalesTerritory_TerritoryID" FOREIGN KEY (territoryid) REFERENCES sales.salesterritory (territoryid));
CREATE TABLE sales.creditcard (
  creditcardid serial NOT NULL, cardtype varchar(50) NOT NULL, cardnumber varchar(25) NOT NULL, expmonth smallint NOT NULL,
  expyear smallint NOT NULL, modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "PK_CreditCard_CreditCardID" PRIMARY KEY (creditcardid));
CREATE UNIQUE INDEX "AK_CreditCard_CardNumber" ON sales.creditcard (cardnumber);
CREATE TABLE sales.specialoffer (
  specialofferid serial NOT NULL, description varchar(255) NOT NULL, discountpct numeric NOT NULL DEFAULT (0.00),
  type varchar(50) NOT NULL, category varchar(50) NOT NULL, startdate timestamp NOT NULL, enddate timestamp NOT NULL,
  minqty int NOT NULL DEFAULT (0), maxqty int NULL, rowguid uuid NOT NULL DEFAULT gen_random_uuid(), modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "CK_SpecialOffer_EndDate" CHECK (enddate >= startdate),
  CONSTRAINT "CK_SpecialOffer_DiscountPct" CHECK (discountpct >= 0.00),
  CONSTRAINT "CK_SpecialOffer_MinQty" CHECK (minqty >= 0),
  CONSTRAINT "CK_SpecialOffer_MaxQty" CHECK (maxqty >= 0),
  CONSTRAINT "PK_SpecialOffer_SpecialOfferID" PRIMARY KEY (specialofferid));
CREATE TABLE sales.specialofferproduct (
  specialofferid int NOT NULL, productid int NOT NULL, rowguid uuid NOT NULL DEFAULT gen_random_uuid(),
  modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "PK_SpecialOfferProduct_SpecialOfferID_ProductID" PRIMARY KEY (specialofferid, productid),
  CONSTRAINT "FK_SpecialOfferProduct_Product_ProductID" FOREIGN KEY (productid) REFERENCES production.product (productid),
  CONSTRAINT "FK_SpecialOfferProduct_SpecialOffer_SpecialOfferID" FOREIGN KEY (specialofferid) REFERENCES sales.specialoffer (specialofferid));
CREATE TABLE sales.salesorderheader (
  salesorderid serial NOT NULL, revisionnumber smallint NOT NULL DEFAULT (0), orderdate timestamp NOT NULL DEFAULT (now()),
  duedate timestamp NOT NULL, shipdate timestamp NULL, status smallint NOT NULL DEFAULT (1),
  onlineorderflag "Flag" NOT NULL DEFAULT (true), purchaseordernumber "OrderNumber" NULL, accountnumber "AccountNumber" NULL,
  customerid int NOT NULL, salespersonid int NULL, territoryid int NULL, billtoaddressid int NOT NULL, shiptoaddressid int NOT NULL,
  shipmethodid int NOT NULL, creditcardid int NULL, creditcardapprovalcode varchar(15) NULL,
  subtotal numeric NOT NULL DEFAULT (0.00), taxamt numeric NOT NULL DEFAULT (0.00), freight numeric NOT NULL DEFAULT (0.00),
  totaldue numeric GENERATED ALWAYS AS (subtotal + taxamt + freight) STORED, comment varchar(128) NULL,
  rowguid uuid NOT NULL DEFAULT gen_random_uuid(), modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "CK_SalesOrderHeader_Status" CHECK (status BETWEEN 0 AND 8),
  CONSTRAINT "CK_SalesOrderHeader_DueDate" CHECK (duedate >= orderdate),
  CONSTRAINT "CK_SalesOrderHeader_ShipDate" CHECK ((shipdate >= orderdate) OR (shipdate IS NULL)),
  CONSTRAINT "CK_SalesOrderHeader_SubTotal" CHECK (subtotal >= 0.00),
  CONSTRAINT "CK_SalesOrderHeader_TaxAmt" CHECK (taxamt >= 0.00),
  CONSTRAINT "CK_SalesOrderHeader_Freight" CHECK (freight >= 0.00),
  CONSTRAINT "PK_SalesOrderHeader_SalesOrderID" PRIMARY KEY (salesorderid),
  CONSTRAINT "FK_SalesOrderHeader_Address_BillToAddressID" FOREIGN KEY (billtoaddressid) REFERENCES person.address (addressid),
  CONSTRAINT "FK_SalesOrderHeader_Address_ShipToAddressID" FOREIGN KEY (shiptoaddressid) REFERENCES person.address (addressid),
  CONSTRAINT "FK_SalesOrderHeader_CreditCard_CreditCardID" FOREIGN KEY (creditcardid) REFERENCES sales.creditcard (creditcardid),
  CONSTRAINT "FK_SalesOrderHeader_Customer_CustomerID" FOREIGN KEY (customerid) REFERENCES sales.customer (customerid),
  CONSTRAINT "FK_SalesOrderHeader_SalesPerson_SalesPersonID" FOREIGN KEY (salespersonid) REFERENCES sales.salesperson (businessentityid),
  CONSTRAINT "FK_SalesOrderHeader_SalesTerritory_TerritoryID" FOREIGN KEY (territoryid) REFERENCES sales.salesterritory (territoryid),
  CONSTRAINT "FK_SalesOrderHeader_ShipMethod_ShipMethodID" FOREIGN KEY (shipmethodid) REFERENCES purchasing.shipmethod (shipmethodid));
CREATE TABLE sales.salesorderdetail (
  salesorderid int NOT NULL, salesorderdetailid serial NOT NULL, carriertrackingnumber varchar(25) NULL, orderqty smallint NOT NULL,
  productid int NOT NULL, specialofferid int NOT NULL, unitprice numeric NOT NULL, unitpricediscount numeric NOT NULL DEFAULT (0.0),
  linetotal numeric GENERATED ALWAYS AS (unitprice * (1.0 - unitpricediscount) * orderqty) STORED,
  rowguid uuid NOT NULL DEFAULT gen_random_uuid(), modifieddate timestamp NOT NULL DEFAULT (now()),
  CONSTRAINT "CK_SalesOrderDetail_OrderQty" CHECK (orderqty > 0),
  CONSTRAINT "CK_SalesOrderDetail_UnitPrice" CHECK (unitprice >= 0.00),
  CONSTRAINT "CK_SalesOrderDetail_UnitPriceDiscount" CHECK (unitpricediscount >= 0.00),
  CONSTRAINT "PK_SalesOrderDetail_SalesOrderID_SalesOrderDetailID" PRIMARY KEY (salesorderid, salesorderdetailid),
  CONSTRAINT "FK_SalesOrderDetail_SalesOrderHeader_SalesOrderID" FOREIGN KEY (salesorderid) REFERENCES sales.salesorderheader (salesorderid) ON DELETE CASCADE,
  CONSTRAINT "FK_SalesOrderDetail_SpecialOfferProduct_SpecialOfferIDProductID" FOREIGN KEY (specialofferid, productid)
    REFERENCES sales.specialofferproduct (specialofferid, productid));

-- views -----------------------------------------------------------------------------------------------------------
CREATE VIEW person.vadditionalcontactinfo AS
  SELECT p.businessentityid, p.firstname, p.lastname,
         (xpath('/ci:AdditionalContactInfo/ci:telephoneNumber/ci:number/text()', p.additionalcontactinfo,
                '{{ci,http://schemas.microsoft.com/sqlserver/2004/07/adventure-works/ContactInfo}}'))[1]::varchar AS telephonenumber,
         p.rowguid, p.modifieddate
  FROM person.person p WHERE p.additionalcontactinfo IS NOT NULL;
CREATE MATERIALIZED VIEW person.vstateprovincecountryregion AS
  SELECT sp.stateprovinceid, sp.stateprovincecode, sp.isonlystateprovinceflag, sp.name AS stateprovincename, sp.territoryid,
         cr.countryregioncode, cr.name AS countryregionname
  FROM person.stateprovince sp INNER JOIN person.countryregion cr ON sp.countryregioncode = cr.countryregioncode;
CREATE VIEW humanresources.vemployee AS
  SELECT e.businessentityid, p.title, p.firstname, p.middlename, p.lastname, p.suffix, e.jobtitle, pp.phonenumber,
         pnt.name AS phonenumbertype, ea.emailaddress, p.emailpromotion, a.addressline1, a.addressline2, a.city,
         sp.name AS stateprovincename, a.postalcode, cr.name AS countryregionname, p.additionalcontactinfo
  FROM humanresources.employee e
  INNER JOIN person.person p ON p.businessentityid = e.businessentityid
  INNER JOIN person.businessentityaddress bea ON bea.businessentityid = e.businessentityid
  INNER JOIN person.address a ON a.addressid = bea.addressid
  INNER JOIN person.stateprovince sp ON sp.stateprovinceid = a.stateprovinceid
  INNER JOIN person.countryregion cr ON cr.countryregioncode = sp.countryregioncode
  LEFT OUTER JOIN person.personphone pp ON pp.businessentityid = p.businessentityid
  LEFT OUTER JOIN person.phonenumbertype pnt ON pp.phonenumbertypeid = pnt.phonenumbertypeid
  LEFT OUTER JOIN person.emailaddress ea ON p.businessentityid = ea.businessentityid;
CREATE VIEW humanresources.vemployeedepartmenthistory AS
  SELECT e.businessentityid, p.firstname, p.lastname, s.name AS shift, d.name AS department, d.groupname, edh.startdate, edh.enddate
  FROM humanresources.employee e
  INNER JOIN person.person p ON p.businessentityid = e.businessentityid
  INNER JOIN humanresources.employeedepartmenthistory edh ON e.businessentityid = edh.businessentityid
  INNER JOIN humanresources.department d ON edh.departmentid = d.departmentid
  INNER JOIN humanresources.shift s ON s.shiftid = edh.shiftid;
CREATE VIEW production.vproductmodelcatalogdescription AS
  SELECT productmodelid, name,
         (xpath('/p1:ProductDescription/p1:Summary/html:p/text()', catalogdescription,
                '{{p1,http://schemas.microsoft.com/sqlserver/2004/07/adventure-works/ProductModelDescription},{html,http://www.w3.org/1999/xhtml}}'))[1]::varchar AS summary,
         rowguid, modifieddate
  FROM production.productmodel WHERE catalogdescription IS NOT NULL;
CREATE VIEW purchasing.vvendorwithaddresses AS
  SELECT v.businessentityid, v.name, at.name AS addresstype, a.addressline1, a.city, sp.name AS stateprovincename, a.postalcode
  FROM purchasing.vendor v
  INNER JOIN person.businessentityaddress bea ON bea.businessentityid = v.businessentityid
  INNER JOIN person.address a ON a.addressid = bea.addressid
  INNER JOIN person.stateprovince sp ON sp.stateprovinceid = a.stateprovinceid
  INNER JOIN person.addresstype at ON at.addresstypeid = bea.addresstypeid;
CREATE VIEW sales.vstorewithdemographics AS
  SELECT s.businessentityid, s.name,
         ((xpath('/n:StoreSurvey/n:AnnualSales/text()', s.demographics,
                 '{{n,http://schemas.microsoft.com/sqlserver/2004/07/adventure-works/StoreSurvey}}'))[1])::varchar::numeric AS annualsales,
         ((xpath('/n:StoreSurvey/n:YearOpened/text()', s.demographics,
                 '{{n,http://schemas.microsoft.com/sqlserver/2004/07/adventure-works/StoreSurvey}}'))[1])::varchar::integer AS yearopened
  FROM sales.store s;
CREATE VIEW sales.vsalespersonsalesbyfiscalyears AS
  SELECT soh.salespersonid, p.firstname || ' ' || coalesce(p.middlename || ' ', '') || p.lastname AS fullname,
         date_part('year', soh.orderdate + interval '6 months') AS fiscalyear, sum(soh.subtotal) AS sales
  FROM sales.salesperson sp
  INNER JOIN sales.salesorderheader soh ON sp.businessentityid = soh.salespersonid
  INNER JOIN person.person p ON p.businessentityid = sp.businessentityid
  GROUP BY soh.salespersonid, p.firstname, p.middlename, p.lastname, date_part('year', soh.orderdate + interval '6 months');
-- the port's short-name schemas: views only (pe.a = person.address ...)
CREATE SCHEMA pe;
CREATE VIEW pe.a AS SELECT addressid AS id, * FROM person.address;
CREATE VIEW pe.p AS SELECT businessentityid AS id, * FROM person.person;

-- data ------------------------------------------------------------------------------------------------------------
INSERT INTO person.countryregion (countryregioncode, name) VALUES
  ('US', 'United States'), ('CA', 'Canada'), ('FR', 'France'), ('DE', 'Germany'), ('GB', 'United Kingdom'), ('AU', 'Australia');
INSERT INTO sales.salesterritory (name, countryregioncode, "group", salesytd, saleslastyear, costytd, costlastyear) VALUES
  ('Northwest', 'US', 'North America', 7887186.79, 3298694.49, 0, 0), ('Northeast', 'US', 'North America', 2402176.85, 3607148.94, 0, 0),
  ('Central', 'US', 'North America', 3072175.12, 3205014.08, 0, 0), ('Southwest', 'US', 'North America', 10510853.87, 5366575.71, 0, 0),
  ('Southeast', 'US', 'North America', 2538667.25, 3925071.43, 0, 0), ('Canada', 'CA', 'North America', 6771829.14, 5693988.86, 0, 0),
  ('France', 'FR', 'Europe', 4772398.31, 2396539.76, 0, 0), ('Germany', 'DE', 'Europe', 3805202.35, 1307949.79, 0, 0),
  ('Australia', 'AU', 'Pacific', 5977814.92, 2278548.98, 0, 0), ('United Kingdom', 'GB', 'Europe', 5012905.37, 1635823.40, 0, 0);
INSERT INTO person.stateprovince (stateprovincecode, countryregioncode, isonlystateprovinceflag, name, territoryid)
  SELECT s.code, s.cr, s.cr NOT IN ('US', 'CA', 'AU'), s.name, s.t FROM (VALUES
    ('WA ', 'US', 'Washington', 1), ('OR ', 'US', 'Oregon', 1), ('NY ', 'US', 'New York', 2), ('MA ', 'US', 'Massachusetts', 2),
    ('IL ', 'US', 'Illinois', 3), ('CA ', 'US', 'California', 4), ('AZ ', 'US', 'Arizona', 4), ('FL ', 'US', 'Florida', 5),
    ('GA ', 'US', 'Georgia', 5), ('BC ', 'CA', 'British Columbia', 6), ('ON ', 'CA', 'Ontario', 6), ('75 ', 'FR', 'Seine (Paris)', 7),
    ('HH ', 'DE', 'Hamburg', 8), ('NSW', 'AU', 'New South Wales', 9), ('VIC', 'AU', 'Victoria', 9), ('ENG', 'GB', 'England', 10)) s(code, cr, name, t);
INSERT INTO person.address (addressline1, addressline2, city, stateprovinceid, postalcode, modifieddate)
  SELECT (100 + g * 37 % 9800) || ' ' || (ARRAY['Main St.', 'Oak Drive', 'Pine Avenue', 'Lake Road', 'Hillside Blvd.', 'Elm Court'])[1 + g % 6],
         CASE WHEN g % 9 = 0 THEN 'Suite ' || (100 + g % 50) END,
         (ARRAY['Seattle', 'Portland', 'Bothell', 'Redmond', 'Toronto', 'Paris', 'Hamburg', 'Sydney', 'London', 'Phoenix'])[1 + g % 10],
         1 + g % 16, lpad((10000 + g * 7919 % 89999)::text, 5, '0'), timestamp '2011-06-01' + g * interval '3 days 4 hours'
  FROM generate_series(1, 420) g;
INSERT INTO person.addresstype (name) VALUES ('Billing'), ('Home'), ('Main Office'), ('Primary'), ('Shipping'), ('Archive');
INSERT INTO person.businessentity (modifieddate) SELECT timestamp '2009-01-01' + g * interval '5 days' FROM generate_series(1, 360) g;
INSERT INTO person.person (businessentityid, persontype, namestyle, title, firstname, middlename, lastname, suffix, emailpromotion,
                           additionalcontactinfo, demographics, modifieddate)
  SELECT g, CASE WHEN g <= 40 THEN 'EM' WHEN g <= 80 THEN 'SC' WHEN g <= 90 THEN 'VC' ELSE 'IN' END, false,
         CASE g % 11 WHEN 0 THEN 'Mr.' WHEN 3 THEN 'Ms.' END,
         (ARRAY['Ken', 'Terri', 'Roberto', 'Rob', 'Gail', 'Jossef', 'Dylan', 'Diane', 'Gigi', 'Michael', 'Ovidiu', 'Thierry', 'Janice', 'Kim', 'Sariya'])[1 + g % 15],
         CASE WHEN g % 3 = 0 THEN (ARRAY['J', 'L', 'A', 'M', 'R'])[1 + g % 5] END,
         (ARRAY['Sánchez', 'Duffy', 'Tamburello', 'Walters', 'Erickson', 'Goldberg', 'Miller', 'Margheim', 'Matthew', 'Raheem', 'Cracium', 'D''Hers', 'Galvin'])[1 + g % 13],
         CASE WHEN g % 40 = 0 THEN 'Jr.' END, g % 3,
         CASE WHEN g % 25 = 0 THEN xmlparse(document '<AdditionalContactInfo xmlns="http://schemas.microsoft.com/sqlserver/2004/07/adventure-works/ContactInfo"><telephoneNumber><number>425-555-' || lpad((g * 37 % 10000)::text, 4, '0') || '</number></telephoneNumber></AdditionalContactInfo>') END,
         CASE WHEN g > 90 THEN xmlparse(document '<IndividualSurvey xmlns="http://schemas.microsoft.com/sqlserver/2004/07/adventure-works/IndividualSurvey"><TotalPurchaseYTD>' || (g * 13 % 9000) || '.5</TotalPurchaseYTD><Gender>' || (ARRAY['M', 'F'])[1 + g % 2] || '</Gender><TotalChildren>' || (g % 5) || '</TotalChildren></IndividualSurvey>') END,
         timestamp '2009-01-07' + g * interval '5 days'
  FROM generate_series(1, 300) g;
INSERT INTO person.businessentityaddress (businessentityid, addressid, addresstypeid, modifieddate)
  SELECT g, 1 + (g * 7) % 420, CASE WHEN g > 300 THEN 3 ELSE 2 END, timestamp '2012-01-01' + g * interval '1 day' FROM generate_series(1, 360) g
  UNION ALL SELECT g, 1 + (g * 11 + 3) % 420, 5, timestamp '2012-02-01' + g * interval '1 day' FROM generate_series(300, 360, 3) g;
INSERT INTO person.emailaddress (businessentityid, emailaddress, modifieddate)
  SELECT g, lower((ARRAY['ken', 'terri', 'roberto', 'rob', 'gail', 'jossef', 'dylan', 'diane', 'gigi', 'michael', 'ovidiu', 'thierry', 'janice', 'kim', 'sariya'])[1 + g % 15]) || g || '@adventure-works.com',
         timestamp '2009-01-07' + g * interval '5 days' FROM generate_series(1, 300) g;
INSERT INTO person.phonenumbertype (name) VALUES ('Cell'), ('Home'), ('Work');
INSERT INTO person.personphone (businessentityid, phonenumber, phonenumbertypeid, modifieddate)
  SELECT g, (200 + g % 700) || '-555-' || lpad((g * 7919 % 10000)::text, 4, '0'), 1 + g % 3, timestamp '2009-01-07' + g * interval '5 days'
  FROM generate_series(1, 300) g;

INSERT INTO humanresources.department (name, groupname) SELECT d.n, d.g FROM (VALUES
  ('Engineering', 'Research and Development'), ('Tool Design', 'Research and Development'), ('Sales', 'Sales and Marketing'),
  ('Marketing', 'Sales and Marketing'), ('Purchasing', 'Inventory Management'), ('Research and Development', 'Research and Development'),
  ('Production', 'Manufacturing'), ('Production Control', 'Manufacturing'), ('Human Resources', 'Executive General and Administration'),
  ('Finance', 'Executive General and Administration'), ('Information Services', 'Executive General and Administration'),
  ('Document Control', 'Quality Assurance'), ('Quality Assurance', 'Quality Assurance'), ('Facilities and Maintenance', 'Executive General and Administration'),
  ('Shipping and Receiving', 'Inventory Management'), ('Executive', 'Executive General and Administration')) d(n, g);
INSERT INTO humanresources.shift (name, starttime, endtime) VALUES ('Day', '07:00', '15:00'), ('Evening', '15:00', '23:00'), ('Night', '23:00', '07:00');
INSERT INTO humanresources.employee (businessentityid, nationalidnumber, loginid, organizationnode, organizationlevel, jobtitle, birthdate,
                                     maritalstatus, gender, hiredate, salariedflag, vacationhours, sickleavehours, currentflag, modifieddate)
  SELECT g, (100000000 + g * 7919123 % 899999999)::text, 'adventure-works\' || lower((ARRAY['ken', 'terri', 'roberto', 'rob', 'gail', 'jossef', 'dylan', 'diane', 'gigi', 'michael', 'ovidiu', 'thierry', 'janice', 'kim', 'sariya'])[1 + g % 15]) || g,
         CASE WHEN g = 1 THEN '/' ELSE '/' || (1 + g % 5) || '/' || CASE WHEN g > 10 THEN (g % 7) || '/' ELSE '' END END,
         CASE WHEN g = 1 THEN 0 WHEN g <= 10 THEN 1 ELSE 2 END,
         CASE WHEN g = 1 THEN 'Chief Executive Officer' WHEN g BETWEEN 2 AND 11 THEN 'Sales Representative'
              ELSE (ARRAY['Production Technician - WC60', 'Design Engineer', 'Buyer', 'Marketing Specialist', 'Stocker'])[1 + g % 5] END,
         date '1955-01-01' + (g * 401 % 12000), (ARRAY['M', 'S'])[1 + g % 2], (ARRAY['M', 'F'])[1 + (g / 2) % 2],
         date '2007-01-01' + (g * 97 % 2500), g <= 12, (g * 7 % 99)::smallint, (20 + g * 3 % 60)::smallint, true,
         timestamp '2014-06-30' FROM generate_series(1, 40) g;
INSERT INTO humanresources.employeedepartmenthistory (businessentityid, departmentid, shiftid, startdate, enddate)
  SELECT e.businessentityid, 1 + e.businessentityid % 16, 1 + e.businessentityid % 3, e.hiredate,
         CASE WHEN e.businessentityid % 8 = 0 THEN e.hiredate + 400 END
  FROM humanresources.employee e
  UNION ALL SELECT e.businessentityid, 1 + (e.businessentityid + 5) % 16, 1, e.hiredate + 401, NULL
  FROM humanresources.employee e WHERE e.businessentityid % 8 = 0;
INSERT INTO humanresources.employeepayhistory (businessentityid, ratechangedate, rate, payfrequency)
  SELECT e.businessentityid, e.hiredate + k * 365, round((9.5 + (e.businessentityid * 13 % 50) + k * 2.5)::numeric, 4), 1 + (e.businessentityid % 2)
  FROM humanresources.employee e, generate_series(0, 1) k WHERE k = 0 OR e.businessentityid % 3 = 0;
INSERT INTO humanresources.jobcandidate (businessentityid, resume, modifieddate)
  SELECT CASE WHEN g % 5 = 0 THEN 10 + g END,
         xmlparse(document '<Resume xmlns="http://schemas.microsoft.com/sqlserver/2004/07/adventure-works/Resume"><Name><Name.First>Candidate</Name.First><Name.Last>N' || g || '</Name.Last></Name><Skills>Machinist, ' || (g % 9 + 1) || ' years</Skills></Resume>'),
         timestamp '2013-12-22' + g * interval '4 days' FROM generate_series(1, 13) g;

INSERT INTO production.productcategory (name) VALUES ('Bikes'), ('Components'), ('Clothing'), ('Accessories');
INSERT INTO production.productsubcategory (productcategoryid, name) SELECT s.c, s.n FROM (VALUES
  (1, 'Mountain Bikes'), (1, 'Road Bikes'), (1, 'Touring Bikes'), (2, 'Handlebars'), (2, 'Bottom Brackets'), (2, 'Brakes'), (2, 'Chains'),
  (2, 'Cranksets'), (2, 'Derailleurs'), (2, 'Forks'), (2, 'Wheels'), (3, 'Bib-Shorts'), (3, 'Caps'), (3, 'Gloves'), (3, 'Jerseys'),
  (4, 'Bike Racks'), (4, 'Bottles and Cages'), (4, 'Helmets'), (4, 'Lights'), (4, 'Locks')) s(c, n);
INSERT INTO production.productmodel (name, catalogdescription)
  SELECT 'Model ' || g || (ARRAY[' Frame', ' Wheel', ' Jersey', ' Helmet'])[1 + g % 4],
         CASE WHEN g % 4 = 0 THEN xmlparse(document '<p1:ProductDescription xmlns:p1="http://schemas.microsoft.com/sqlserver/2004/07/adventure-works/ProductModelDescription" xmlns:html="http://www.w3.org/1999/xhtml" ProductModelID="' || g || '"><p1:Summary><html:p>Our top-of-the-line competition model ' || g || '.</html:p></p1:Summary></p1:ProductDescription>') END
  FROM generate_series(1, 24) g;
INSERT INTO production.unitmeasure (unitmeasurecode, name) VALUES ('EA ', 'Each'), ('CM ', 'Centimeter'), ('G  ', 'Gram'), ('LB ', 'US pound'), ('IN ', 'Inch');
INSERT INTO production.product (name, productnumber, makeflag, finishedgoodsflag, color, safetystocklevel, reorderpoint, standardcost, listprice,
                                size, sizeunitmeasurecode, weightunitmeasurecode, weight, daystomanufacture, productline, class, style,
                                productsubcategoryid, productmodelid, sellstartdate, sellenddate, discontinueddate, modifieddate)
  SELECT (ARRAY['HL Road Frame', 'ML Mountain Frame', 'LL Touring Frame', 'Sport-100 Helmet', 'Long-Sleeve Logo Jersey', 'Road-150', 'Mountain-200', 'Touring-1000'])[1 + g % 8]
           || ' - ' || (ARRAY['Black', 'Red', 'Silver', 'Blue', 'Yellow'])[1 + g / 8 % 5] || ', ' || (38 + g % 25),
         (ARRAY['FR', 'HL', 'BK', 'LJ', 'SB', 'CA'])[1 + g % 6] || '-' || chr(65 + g % 26) || lpad(g::text, 3, '0') || '-' || (38 + g % 25),
         g % 3 <> 0, g % 4 <> 0, CASE WHEN g % 6 <> 0 THEN (ARRAY['Black', 'Red', 'Silver', 'Blue', 'Yellow'])[1 + g / 8 % 5] END,
         (ARRAY[4, 100, 500, 800, 1000])[1 + g % 5], (ARRAY[3, 75, 375, 600, 750])[1 + g % 5],
         round((g * 17 % 1500 + 2.5)::numeric, 4), round((g * 17 % 1500 * 1.8 + 4.99)::numeric, 4),
         CASE WHEN g % 3 = 0 THEN (38 + g % 25)::text WHEN g % 3 = 1 THEN (ARRAY['S', 'M', 'L', 'XL'])[1 + g % 4] END,
         CASE WHEN g % 3 = 0 THEN 'CM ' END, CASE WHEN g % 2 = 0 THEN 'LB ' END, CASE WHEN g % 2 = 0 THEN 1.5 + g % 30 END,
         (ARRAY[0, 1, 2, 4])[1 + g % 4], CASE WHEN g % 5 <> 0 THEN (ARRAY['R ', 'M ', 'T ', 'S '])[1 + g % 4] END,
         CASE WHEN g % 4 <> 0 THEN (ARRAY['L ', 'M ', 'H '])[1 + g % 3] END, CASE WHEN g % 4 <> 0 THEN (ARRAY['U ', 'W ', 'M '])[1 + g % 3] END,
         CASE WHEN g % 7 <> 0 THEN 1 + g % 20 END, CASE WHEN g % 7 <> 0 THEN 1 + g % 24 END,
         timestamp '2008-04-30' + (g % 4) * interval '1 year', CASE WHEN g % 5 = 0 THEN timestamp '2012-05-29' + (g % 4) * interval '1 year' END,
         NULL, timestamp '2014-02-08 10:01:36.827'
  FROM generate_series(1, 160) g;
INSERT INTO production.location (name, costrate, availability) VALUES ('Tool Crib', 0, 0), ('Sheet Metal Racks', 0, 0),
  ('Paint Shop', 0, 0), ('Frame Forming', 22.50, 96), ('Frame Welding', 25, 108), ('Final Assembly', 12.25, 120), ('Subassembly', 12.25, 120);
INSERT INTO production.productinventory (productid, locationid, shelf, bin, quantity, modifieddate)
  SELECT p, l, CASE WHEN (p + l) % 10 = 0 THEN 'N/A' ELSE chr(65 + (p * 3 + l) % 26) END, (p * 7 + l) % 101, (p * 31 + l * 7) % 700,
         timestamp '2014-08-08' + p * interval '1 hour'
  FROM generate_series(1, 160) p, generate_series(1, 7) l WHERE (p + l) % 3 = 0;
INSERT INTO production.productlistpricehistory (productid, startdate, enddate, listprice)
  SELECT p.productid, p.sellstartdate + k * interval '1 year', CASE WHEN k < 1 THEN p.sellstartdate + (k + 1) * interval '1 year' - interval '1 day' END,
         round(p.listprice * (1 + k * 0.05), 4)
  FROM production.product p, generate_series(0, 1) k WHERE p.productid % 2 = 0 OR k = 0;
INSERT INTO production.billofmaterials (productassemblyid, componentid, startdate, enddate, unitmeasurecode, bomlevel, perassemblyqty)
  SELECT CASE WHEN g % 6 = 0 THEN NULL ELSE 1 + g % 40 END, 41 + g % 120, timestamp '2010-05-26' + g * interval '2 days',
         CASE WHEN g % 9 = 0 THEN timestamp '2010-05-26' + g * interval '2 days' + interval '300 days' END, 'EA ',
         CASE WHEN g % 6 = 0 THEN 0 ELSE 1 + g % 4 END, CASE WHEN g % 6 = 0 THEN 1.00 ELSE 1 + g % 3 END
  FROM generate_series(1, 240) g;

INSERT INTO purchasing.shipmethod (name, shipbase, shiprate) VALUES ('XRQ - TRUCK GROUND', 3.95, 0.99), ('ZY - EXPRESS', 9.95, 1.99),
  ('OVERSEAS - DELUXE', 29.95, 2.99), ('OVERNIGHT J-FAST', 21.95, 1.29), ('CARGO TRANSPORT 5', 8.99, 1.49);
INSERT INTO purchasing.vendor (businessentityid, accountnumber, name, creditrating, preferredvendorstatus, activeflag, purchasingwebserviceurl)
  SELECT g, upper(substr((ARRAY['Australia', 'Allenson', 'Advanced', 'Trikes', 'Morgan', 'Cycling', 'Chicago', 'Greenwood', 'Compete', 'Electronic'])[1 + g % 10], 1, 8)) || lpad((g % 9000)::text, 4, '0'),
         (ARRAY['Australia Bike Retailer', 'Allenson Cycles', 'Advanced Bicycles', 'Trikes, Inc.', 'Morgan Bike Accessories', 'Cycling Master', 'Chicago Rent-All', 'Greenwood Athletic Company', 'Compete Enterprises, Inc', 'Electronic Bike Repair'])[1 + g % 10] || CASE WHEN g > 350 THEN ' II' ELSE '' END,
         1 + g % 5, g % 7 <> 0, g % 11 <> 0, CASE WHEN g % 4 = 0 THEN 'www.vendor' || g || '.com/' END
  FROM generate_series(341, 360) g;
INSERT INTO purchasing.productvendor (productid, businessentityid, averageleadtime, standardprice, lastreceiptcost, lastreceiptdate,
                                     minorderqty, maxorderqty, onorderqty, unitmeasurecode)
  SELECT p, 341 + (p * 7 + k) % 20, 10 + (p + k) % 10, round((p * 3.7 % 80 + 1.25)::numeric, 4), round((p * 3.7 % 80 + 1.3)::numeric, 4),
         timestamp '2014-08-12' + p * interval '1 day', (ARRAY[1, 100, 500])[1 + p % 3], (ARRAY[5, 1000, 2000])[1 + p % 3],
         CASE WHEN p % 4 = 0 THEN (p * 13 % 400) END, (ARRAY['EA ', 'CM ', 'G  '])[1 + p % 3]
  FROM generate_series(1, 160) p, generate_series(0, 1) k WHERE k = 0 OR p % 3 = 0;
INSERT INTO purchasing.purchaseorderheader (revisionnumber, status, employeeid, vendorid, shipmethodid, orderdate, shipdate, subtotal, taxamt, freight)
  SELECT g % 5, 1 + g % 4, 12 + g % 29, 341 + g % 20, 1 + g % 5, timestamp '2011-04-16' + g * interval '2 days',
         CASE WHEN g % 10 <> 0 THEN timestamp '2011-04-16' + g * interval '2 days' + interval '9 days' END,
         round((g * 331 % 20000 + 50.26)::numeric, 4), round((g * 331 % 20000 + 50.26)::numeric * 0.08, 4), round((g * 331 % 20000 + 50.26)::numeric * 0.025, 4)
  FROM generate_series(1, 260) g;
INSERT INTO purchasing.purchaseorderdetail (purchaseorderid, duedate, orderqty, productid, unitprice, receivedqty, rejectedqty)
  SELECT h.purchaseorderid, h.orderdate + interval '14 days', (1 + (h.purchaseorderid * 7 + k) % 550)::smallint, 1 + (h.purchaseorderid * 5 + k * 11) % 160,
         round(((h.purchaseorderid + k) * 3.7 % 80 + 1.25)::numeric, 4), (1 + (h.purchaseorderid * 7 + k) % 550) * 0.9, CASE WHEN k = 1 THEN 3 ELSE 0 END
  FROM purchasing.purchaseorderheader h, generate_series(0, 2) k WHERE k < 1 + h.purchaseorderid % 3;

INSERT INTO sales.currency (currencycode, name) VALUES ('USD', 'US Dollar'), ('CAD', 'Canadian Dollar'), ('EUR', 'EURO'),
  ('GBP', 'United Kingdom Pound'), ('AUD', 'Australian Dollar'), ('JPY', 'Yen');
INSERT INTO sales.salesperson (businessentityid, territoryid, salesquota, bonus, commissionpct, salesytd, saleslastyear)
  SELECT g, CASE WHEN g > 2 THEN 1 + g % 10 END, CASE WHEN g > 2 THEN 250000 + g % 3 * 50000 END, (g * 350 % 6700), (ARRAY[0, 0.01, 0.015, 0.019, 0.02])[1 + g % 5],
         round((g * 437911 % 4300000 + 172524.45)::numeric, 4), round((g * 131071 % 2300000)::numeric, 4)
  FROM generate_series(1, 12) g;
INSERT INTO sales.store (businessentityid, name, salespersonid, demographics)
  SELECT g, (ARRAY['Next-Door Bike Store', 'Professional Sales and Service', 'Riders Company', 'The Bike Mechanics', 'Nationwide Supply', 'Area Bike Accessories', 'Bicycle Accessories and Kits', 'Clamps & Brackets Co.'])[1 + g % 8] || ' ' || g,
         CASE WHEN g % 9 <> 0 THEN 3 + g % 10 END,
         xmlparse(document '<StoreSurvey xmlns="http://schemas.microsoft.com/sqlserver/2004/07/adventure-works/StoreSurvey"><AnnualSales>' || (ARRAY[300000, 800000, 1500000, 3000000])[1 + g % 4] || '</AnnualSales><YearOpened>' || (1970 + g % 30) || '</YearOpened><NumberEmployees>' || (2 + g % 90) || '</NumberEmployees></StoreSurvey>')
  FROM generate_series(301, 340) g;
INSERT INTO sales.customer (personid, storeid, territoryid)
  SELECT CASE WHEN g % 5 <> 0 THEN 91 + g % 210 WHEN g % 2 = 0 THEN 41 + g % 40 END, CASE WHEN g % 5 = 0 THEN 301 + g % 40 END, 1 + g % 10
  FROM generate_series(1, 320) g;
INSERT INTO sales.creditcard (cardtype, cardnumber, expmonth, expyear)
  SELECT (ARRAY['SuperiorCard', 'Distinguish', 'ColonialVoice', 'Vista'])[1 + g % 4], (11110000000000 + g * 7919)::text, 1 + g % 12, 2005 + g % 4
  FROM generate_series(1, 200) g;
INSERT INTO sales.specialoffer (description, discountpct, type, category, startdate, enddate, minqty, maxqty) VALUES
  ('No Discount', 0.00, 'No Discount', 'No Discount', '2011-05-01', '2014-11-30', 0, NULL),
  ('Volume Discount 11 to 14', 0.02, 'Volume Discount', 'Reseller', '2011-05-31', '2014-05-30', 11, 14),
  ('Volume Discount 15 to 24', 0.05, 'Volume Discount', 'Reseller', '2011-05-31', '2014-05-30', 15, 24),
  ('Mountain-100 Clearance Sale', 0.35, 'Discontinued Product', 'Reseller', '2012-05-01', '2012-05-30', 0, NULL),
  ('Sport Helmet Discount-2002', 0.10, 'Seasonal Discount', 'Reseller', '2012-05-30', '2012-06-29', 0, NULL),
  ('Touring-3000 Promotion', 0.15, 'New Product', 'Customer', '2013-05-30', '2013-08-29', 0, NULL);
INSERT INTO sales.specialofferproduct (specialofferid, productid)
  SELECT 1, p FROM generate_series(1, 160) p UNION ALL SELECT 2 + p % 5, p FROM generate_series(1, 160) p WHERE p % 2 = 0;
INSERT INTO sales.salesorderheader (revisionnumber, orderdate, duedate, shipdate, status, onlineorderflag, purchaseordernumber, accountnumber,
                                   customerid, salespersonid, territoryid, billtoaddressid, shiptoaddressid, shipmethodid, creditcardid,
                                   creditcardapprovalcode, subtotal, taxamt, freight, comment, modifieddate)
  SELECT 8, timestamp '2011-05-31' + g * interval '1 day 7 hours', timestamp '2011-05-31' + g * interval '1 day 7 hours' + interval '12 days',
         timestamp '2011-05-31' + g * interval '1 day 7 hours' + interval '7 days', 5, g % 4 <> 0,
         CASE WHEN g % 4 = 0 THEN 'PO' || (10000000000 + g * 104729) END, '10-4020-' || lpad((1 + g % 320)::text, 6, '0'),
         1 + g % 320, CASE WHEN g % 4 = 0 THEN 1 + g % 12 END, 1 + g % 10, 1 + g * 7 % 420, 1 + g * 7 % 420, 1 + g % 5,
         CASE WHEN g % 10 <> 0 THEN 1 + g % 200 END, CASE WHEN g % 10 <> 0 THEN (100000 + g * 31 % 899999) || 'Vi' || (1000 + g % 9000) END,
         round((g * 2039 % 25000 + 4.99)::numeric, 4), round((g * 2039 % 25000 + 4.99)::numeric * 0.08, 4),
         round((g * 2039 % 25000 + 4.99)::numeric * 0.025, 4), NULL, timestamp '2011-05-31' + g * interval '1 day 7 hours' + interval '7 days'
  FROM generate_series(1, 700) g;
INSERT INTO sales.salesorderdetail (salesorderid, carriertrackingnumber, orderqty, productid, specialofferid, unitprice, unitpricediscount, modifieddate)
  SELECT h.salesorderid, CASE WHEN NOT h.onlineorderflag THEN upper(substr(md5(h.salesorderid::text || k), 1, 4)) || '-' || upper(substr(md5(k::text || h.salesorderid), 1, 4)) || '-' || substr(md5(h.salesorderid::text), 1, 2) END,
         (1 + (h.salesorderid * 3 + k) % 6)::smallint, sop.productid, sop.specialofferid, round((sop.productid * 17 % 1500 * 1.8 + 4.99)::numeric, 4),
         (SELECT o.discountpct FROM sales.specialoffer o WHERE o.specialofferid = sop.specialofferid), h.modifieddate
  FROM sales.salesorderheader h, generate_series(0, 2) k,
       LATERAL (SELECT s.specialofferid, s.productid FROM sales.specialofferproduct s
                ORDER BY s.specialofferid, s.productid OFFSET ((h.salesorderid * 37 + k * 101) % 240) LIMIT 1) sop
  WHERE k < 1 + h.salesorderid % 3;
REFRESH MATERIALIZED VIEW person.vstateprovincecountryregion;
